package io.raftkv.raft.storage;

import io.raftkv.common.GroupId;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeMap;

/**
 * Replays every segment at startup into per-group stored logs (snapshot data stays in its files
 * until a group loads) and the segment tracker; cuts off a torn tail.
 */
record Recovery(TreeMap<GroupId, ReplayedLog> logs, SegmentTracker tracker) {
    private static final System.Logger LOG = System.getLogger(Recovery.class.getName());

    static Recovery replay(Disk disk, Path walDirectory, int recordBytesMax) throws IOException {
        Recovery recovery = new Recovery(new TreeMap<>(), new SegmentTracker());
        List<Path> segments = segmentsIn(disk, walDirectory);
        for (int i = 0; i < segments.size(); i++) {
            Path segment = segments.get(i);
            boolean last = i == segments.size() - 1;
            recovery.tracker().segmentStarted(segment);
            SegmentReader.Result result =
                    SegmentReader.read(disk, segment, last, recordBytesMax, recovery::apply);
            if (result.tornTail()) {
                cutTornTail(disk, segment, result.validBytes());
            }
        }
        for (var entry : recovery.logs().entrySet()) {
            var problem = entry.getValue().problem();
            if (problem.isPresent()) {
                throw new WalCorruptionException(
                        walDirectory, 0, entry.getKey() + ": " + problem.get());
            }
        }
        return recovery;
    }

    private void apply(WalRecord record) {
        tracker.recordWritten(record);
        GroupId group = record.group();
        switch (record) {
            case WalRecord.Entries entries -> log(group).entries(entries.entries());
            case WalRecord.HardStateRecord state -> log(group).hardState(state.hardState());
            case WalRecord.EntriesWithHardState both -> {
                log(group).entries(both.entries());
                log(group).hardState(both.hardState());
            }
            case WalRecord.SnapshotMarker marker ->
                    log(group).snapshot(marker.meta(), marker.replacesLog());
            case WalRecord.GroupRemoved removed -> logs.remove(group);
        }
    }

    private ReplayedLog log(GroupId group) {
        return logs.computeIfAbsent(group, g -> new ReplayedLog());
    }

    private static List<Path> segmentsIn(Disk disk, Path walDirectory) throws IOException {
        return disk.list(walDirectory).stream()
                .filter(file -> file.getFileName().toString().matches("\\d{20}\\.wal"))
                .sorted()
                .toList();
    }

    /** Truncates the torn tail (restoring the header if even that was torn) and syncs. */
    private static void cutTornTail(Disk disk, Path segment, long validBytes) throws IOException {
        LOG.log(
                Level.WARNING,
                "cutting a torn tail off {0} at offset {1} ({2} bytes dropped)",
                segment,
                validBytes,
                disk.size(segment) - validBytes);
        try (FileChannel channel = disk.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(validBytes);
            if (validBytes < SegmentReader.MAGIC.length) {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(SegmentReader.MAGIC), 0);
            }
            channel.force(true);
        }
    }
}
