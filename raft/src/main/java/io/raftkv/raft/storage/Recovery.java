package io.raftkv.raft.storage;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.StoredLog;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Replays every segment at startup into per-group stored logs (snapshot data stays in its files
 * until a group loads) and the segment tracker; cuts off a torn tail.
 */
record Recovery(TreeMap<GroupId, StoredLog> logs, SegmentTracker tracker) {
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());
    private static final byte[] NO_DATA = new byte[0];

    static Recovery replay(Path walDirectory, int recordBytesMax) throws IOException {
        Recovery recovery = new Recovery(new TreeMap<>(), new SegmentTracker());
        List<Path> segments = segmentsIn(walDirectory);
        for (int i = 0; i < segments.size(); i++) {
            Path segment = segments.get(i);
            boolean last = i == segments.size() - 1;
            recovery.tracker().segmentStarted(segment);
            SegmentReader.Result result =
                    SegmentReader.read(segment, last, recordBytesMax, recovery::apply);
            if (result.tornTail()) {
                cutTornTail(segment, result.validBytes());
            }
        }
        return recovery;
    }

    private void apply(WalRecord record) {
        tracker.recordWritten(record);
        GroupId group = record.group();
        switch (record) {
            case WalRecord.Entries entries ->
                    log(group)
                            .apply(
                                    write(
                                            group,
                                            Optional.empty(),
                                            false,
                                            entries.entries(),
                                            Optional.empty()));
            case WalRecord.HardStateRecord state ->
                    log(group)
                            .apply(
                                    write(
                                            group,
                                            Optional.empty(),
                                            false,
                                            List.of(),
                                            Optional.of(state.hardState())));
            case WalRecord.SnapshotMarker marker ->
                    log(group)
                            .apply(
                                    write(
                                            group,
                                            Optional.of(new Snapshot(marker.meta(), NO_DATA)),
                                            marker.replacesLog(),
                                            List.of(),
                                            Optional.empty()));
            case WalRecord.GroupRemoved removed -> logs.remove(group);
        }
    }

    private StoredLog log(GroupId group) {
        return logs.computeIfAbsent(group, g -> new StoredLog());
    }

    private static GroupWrite write(
            GroupId group,
            Optional<Snapshot> snapshot,
            boolean replacesLog,
            List<io.raftkv.raft.core.Entry> entries,
            Optional<io.raftkv.raft.core.HardState> hardState) {
        return new GroupWrite(group, hardState, snapshot, replacesLog, entries, false);
    }

    private static List<Path> segmentsIn(Path walDirectory) throws IOException {
        try (Stream<Path> files = Files.list(walDirectory)) {
            return files.filter(file -> file.getFileName().toString().matches("\\d{20}\\.wal"))
                    .sorted()
                    .toList();
        }
    }

    /** Truncates the torn tail (restoring the header if even that was torn) and syncs. */
    private static void cutTornTail(Path segment, long validBytes) throws IOException {
        LOG.log(
                Level.WARNING,
                "cutting a torn tail off {0} at offset {1} ({2} bytes dropped)",
                segment,
                validBytes,
                Files.size(segment) - validBytes);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(validBytes);
            if (validBytes < SegmentReader.MAGIC.length) {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(SegmentReader.MAGIC), 0);
            }
            channel.force(true);
        }
    }
}
