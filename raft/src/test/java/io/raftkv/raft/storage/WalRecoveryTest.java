package io.raftkv.raft.storage;

import static io.raftkv.raft.storage.WalFiles.copy;
import static io.raftkv.raft.storage.WalFiles.flipBit;
import static io.raftkv.raft.storage.WalFiles.onlySegment;
import static io.raftkv.raft.storage.WalFiles.records;
import static io.raftkv.raft.storage.WalFiles.segments;
import static io.raftkv.raft.storage.WalFiles.truncate;
import static io.raftkv.raft.storage.WalFixture.oracleOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.MemoryStorage;
import io.raftkv.raft.storage.WalFiles.RecordBounds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from a crash or a damaged disk: a torn tail (damage in the last record of the last
 * segment with nothing valid after it) is cut off and the log goes on; any other damage stops the
 * node with the file and offset.
 */
class WalRecoveryTest {
    private static final GroupId G1 = GroupId.of(1);
    private static final GroupId G2 = GroupId.of(2);
    private static final GroupId G3 = GroupId.of(3);
    private static final WriteAheadLog.Options DEFAULTS = WriteAheadLog.Options.defaults();
    private static final WriteAheadLog.Options SMALL_SEGMENTS =
            new WriteAheadLog.Options(512, 1 << 20, 4);

    private final GroupScript g1 = new GroupScript(G1);
    private final GroupScript g2 = new GroupScript(G2);
    private final GroupScript g3 = new GroupScript(G3);

    /** Four batches over three groups: entries, hard states, both kinds of snapshot, overwrites. */
    private List<List<GroupWrite>> history() {
        return List.of(
                List.of(g1.append(3, 10), g2.append(2, 5), g3.vote()),
                List.of(g1.localSnapshot(2), g2.leaderSnapshot(6, 2)),
                List.of(g1.appendUncommitted(3, 9), g3.appendUncommitted(1, 4)),
                List.of(g1.overwrite(5, 2), g2.append(1, 12)));
    }

    @Test
    void tornLastRecordIsCutOffAtEveryByteAndTheLogTakesNewWrites(@TempDir Path directory)
            throws IOException {
        List<List<GroupWrite>> batches = new ArrayList<>(history());
        batches.add(List.of(g3.appendUncommitted(2, 30))); // one record
        GroupWrite rewrite = g3.overwrite(2, 1); // g3 writes its lost entries again
        Path original = writeLog(directory.resolve("original"), DEFAULTS, batches);
        RecordBounds last = records(onlySegment(original)).getLast();

        for (int kept = last.start(); kept < last.end(); kept++) {
            String context = "kept %d of the last record's bytes".formatted(kept - last.start());
            Path damaged = copy(original, directory.resolve("kept-" + kept));
            Path segment = onlySegment(damaged);
            truncate(segment, kept);

            MemoryStorage expected = oracleOf(batches.subList(0, batches.size() - 1));
            try (WalFixture reopened = new WalFixture(damaged, DEFAULTS, expected)) {
                reopened.assertRecoversOracle(context);
                assertThat(Files.size(segment))
                        .as("%s: torn bytes cut off the file", context)
                        .isEqualTo(last.start());
                reopened.persistDurably(rewrite);
                reopened.assertReopenRecoversOracle(context + ", then a new write");
            }
        }
    }

    @Test
    void garbageAfterTheLastRecordIsCutOff(@TempDir Path directory) throws IOException {
        byte[] garbage = new byte[300];
        new SplittableRandom(7).nextBytes(garbage);
        assertJunkAfterTheLastRecordIsCutOff(directory, garbage);
    }

    @Test
    void zerosAfterTheLastRecordAreCutOff(@TempDir Path directory) throws IOException {
        assertJunkAfterTheLastRecordIsCutOff(directory, new byte[4096]);
    }

    private void assertJunkAfterTheLastRecordIsCutOff(Path directory, byte[] junk)
            throws IOException {
        List<List<GroupWrite>> batches = history();
        Path segment = onlySegment(writeLog(directory, DEFAULTS, batches));
        long validBytes = Files.size(segment);
        WalFiles.append(segment, junk);

        try (WalFixture reopened = new WalFixture(directory, DEFAULTS, oracleOf(batches))) {
            reopened.assertRecoversOracle("junk after the last record");
            assertThat(Files.size(segment)).as("junk cut off").isEqualTo(validBytes);
            reopened.persistDurably(g3.append(2, 8));
            reopened.assertReopenRecoversOracle("junk cut off, then a new write");
        }
    }

    /**
     * A batch is several records (snapshot marker, entries, hard state); a crash may tear it
     * anywhere. The hard state goes last, so no cut leaves a commit index past the stored entries.
     */
    @Test
    void tornBatchNeverLeavesTheCommitIndexPastTheRecoveredEntries(@TempDir Path directory)
            throws IOException {
        List<List<GroupWrite>> batches = new ArrayList<>(history());
        GroupWrite last = g1.append(3, 20); // entries 7..9 and a hard state committing them
        batches.add(List.of(last));
        Path original = writeLog(directory.resolve("original"), DEFAULTS, batches);
        // NB: the entries and their hard state go in one record, so any cut inside it loses both.
        RecordBounds lastRecord = records(onlySegment(original)).getLast();

        for (int kept = lastRecord.start(); kept < lastRecord.end(); kept++) {
            String context = "batch cut after byte %d".formatted(kept);
            Path damaged = copy(original, directory.resolve("kept-" + kept));
            truncate(onlySegment(damaged), kept);
            MemoryStorage expected = oracleOf(batches.subList(0, 4));

            try (WalFixture reopened = new WalFixture(damaged, DEFAULTS, expected)) {
                PersistedState state = reopened.wal().load(G1);
                long lastIndex =
                        state.entries().isEmpty()
                                ? state.snapshot().map(Snapshot::index).orElse(0L)
                                : state.entries().getLast().index();
                assertThat(state.hardState().commitIndex())
                        .as(context)
                        .isLessThanOrEqualTo(lastIndex);
                WalFixture.assertSameState(state, expected.load(G1), context);
            }
        }
    }

    @Test
    void segmentTornInsideItsHeaderIsRestoredAndTheOlderSegmentsRecover(@TempDir Path directory)
            throws IOException {
        List<List<GroupWrite>> batches = new ArrayList<>();
        Path original = directory.resolve("original");
        try (WalFixture fixture = new WalFixture(original, SMALL_SEGMENTS)) {
            while (segments(original).size() < 3) {
                batches.add(List.of(g1.append(2, 40)));
                fixture.persistDurably(batches.getLast().toArray(GroupWrite[]::new));
            }
        }
        // The last batch started the third segment: a crash may tear that segment's header.
        for (int kept = 0; kept < SegmentReader.MAGIC.length; kept++) {
            String context = "third segment cut to %d bytes".formatted(kept);
            Path damaged = copy(original, directory.resolve("kept-" + kept));
            Path third = segments(damaged).getLast();
            truncate(third, kept);

            MemoryStorage expected = oracleOf(batches.subList(0, batches.size() - 1));
            try (WalFixture reopened = new WalFixture(damaged, SMALL_SEGMENTS, expected)) {
                reopened.assertRecoversOracle(context);
                assertThat(Files.readAllBytes(third)).as(context).isEqualTo(SegmentReader.MAGIC);
                reopened.persistDurably(new GroupScript(G2).append(2, 8));
                reopened.assertReopenRecoversOracle(context + ", then a new write");
            }
        }
    }

    @Test
    void flippedBitBeforeTheLastRecordStopsRecoveryNamingTheFileAndTheRecord(
            @TempDir Path directory) throws IOException {
        List<List<GroupWrite>> batches = history();
        Path segment = onlySegment(writeLog(directory, DEFAULTS, batches));
        List<RecordBounds> records = records(segment);

        for (RecordBounds record : records.subList(0, records.size() - 1)) {
            for (int offset = record.start(); offset < record.end(); offset++) {
                flipBit(segment, offset);
                assertThatThrownBy(
                                () ->
                                        WriteAheadLog.open(directory, DEFAULTS, failure -> {})
                                                .close())
                        .as("bit flipped in byte %d", offset)
                        .isInstanceOf(WalCorruptionException.class)
                        .hasMessageContaining(segment.toString())
                        .hasMessageContaining("at offset %d:", record.start());
                flipBit(segment, offset);
            }
        }
        try (WalFixture undamaged = new WalFixture(directory, DEFAULTS, oracleOf(batches))) {
            undamaged.assertRecoversOracle("every bit flipped back");
        }
    }

    @Test
    void flippedBitInTheSegmentHeaderStopsRecovery(@TempDir Path directory) throws IOException {
        Path segment = onlySegment(writeLog(directory, DEFAULTS, history()));

        for (int offset = 0; offset < SegmentReader.MAGIC.length; offset++) {
            flipBit(segment, offset);
            assertThatThrownBy(() -> WriteAheadLog.open(directory, DEFAULTS, failure -> {}).close())
                    .as("bit flipped in byte %d", offset)
                    .isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(segment + " at offset 0:");
            flipBit(segment, offset);
        }
    }

    /** Only the last segment can hold a torn write: damage at the end of an older one is loss. */
    @Test
    void damageAtTheEndOfAnOlderSegmentIsCorruptionNotATornTail(@TempDir Path directory)
            throws IOException {
        Path original = directory.resolve("original");
        try (WalFixture fixture = new WalFixture(original, SMALL_SEGMENTS)) {
            while (segments(original).size() < 3) {
                fixture.persistDurably(g1.append(2, 40));
            }
        }

        Path truncated = copy(original, directory.resolve("truncated"));
        Path first = segments(truncated).getFirst();
        truncate(first, Files.size(first) - 1);
        assertThatThrownBy(
                        () -> WriteAheadLog.open(truncated, SMALL_SEGMENTS, failure -> {}).close())
                .isInstanceOf(WalCorruptionException.class)
                .hasMessageContaining(first.toString());

        Path flipped = copy(original, directory.resolve("flipped"));
        Path firstFlipped = segments(flipped).getFirst();
        RecordBounds lastRecord = records(firstFlipped).getLast();
        flipBit(firstFlipped, lastRecord.end() - 1);
        assertThatThrownBy(() -> WriteAheadLog.open(flipped, SMALL_SEGMENTS, failure -> {}).close())
                .isInstanceOf(WalCorruptionException.class)
                .hasMessageContaining(firstFlipped + " at offset " + lastRecord.start());
    }

    @Test
    void flippedBitInASnapshotFileMakesLoadFailNamingTheFile(@TempDir Path directory)
            throws IOException {
        List<List<GroupWrite>> batches =
                List.of(List.of(g1.append(4, 8)), List.of(g1.localSnapshot(3)));
        writeLog(directory, DEFAULTS, batches);
        Path snapshotFile = WalFiles.snapshotFiles(directory).getFirst();
        assertThat(WalFiles.snapshotFiles(directory)).containsExactly(snapshotFile);

        for (long offset = 0; offset < Files.size(snapshotFile); offset++) {
            flipBit(snapshotFile, offset);
            try (WriteAheadLog wal = WriteAheadLog.open(directory, DEFAULTS, failure -> {})) {
                assertThatThrownBy(() -> wal.load(G1))
                        .as("bit flipped in byte %d", offset)
                        .isInstanceOf(UncheckedIOException.class)
                        .cause()
                        .isInstanceOf(WalCorruptionException.class)
                        .hasMessageContaining(snapshotFile.toString());
            }
            flipBit(snapshotFile, offset);
        }
        try (WalFixture undamaged = new WalFixture(directory, DEFAULTS, oracleOf(batches))) {
            undamaged.assertRecoversOracle("every bit flipped back");
        }
    }

    @Test
    void missingSnapshotFileMakesLoadFailNamingTheFile(@TempDir Path directory) throws IOException {
        writeLog(
                directory,
                DEFAULTS,
                List.of(List.of(g1.append(4, 8)), List.of(g1.localSnapshot(3))));
        Path snapshotFile = WalFiles.snapshotFiles(directory).getFirst();
        Files.delete(snapshotFile);

        try (WriteAheadLog wal = WriteAheadLog.open(directory, DEFAULTS, failure -> {})) {
            assertThatThrownBy(() -> wal.load(G1))
                    .isInstanceOf(UncheckedIOException.class)
                    .cause()
                    .isInstanceOf(WalCorruptionException.class)
                    .hasMessageContaining(snapshotFile.toString());
        }
    }

    /** Writes {@code batches} one durable batch at a time, then closes the log. */
    private static Path writeLog(
            Path directory, WriteAheadLog.Options options, List<List<GroupWrite>> batches)
            throws IOException {
        try (WalFixture fixture = new WalFixture(directory, options)) {
            for (List<GroupWrite> batch : batches) {
                fixture.persistDurably(batch.toArray(GroupWrite[]::new));
            }
        }
        return directory;
    }
}
