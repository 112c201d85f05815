package io.raftkv.raft.storage;

import static io.raftkv.raft.storage.WalFiles.segments;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.raft.host.GroupWrite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment rotation and deletion: a segment goes once every group with entries in it has a snapshot
 * past them (or is removed), so the log stays bounded while groups snapshot, a lagging group pins
 * it, and a reopened log still holds exactly what was written.
 */
class WalSegmentTest {
    /**
     * Each group snapshots every 8 rounds, so a segment is covered at most 8 rounds after it was
     * written: about 8 segments at a segment a round, plus slack.
     */
    private static final int SEGMENTS_MAX = 10;

    /** About one round of four groups' writes (and the checkpoint) per segment. */
    private static final WriteAheadLog.Options SMALL_SEGMENTS =
            new WriteAheadLog.Options(1024, 1 << 20, SEGMENTS_MAX);

    private static final int SNAPSHOT_EVERY_ROUNDS = 8;

    private final List<GroupScript> steady = new ArrayList<>();

    WalSegmentTest() {
        for (int id = 1; id <= 4; id++) {
            steady.add(new GroupScript(GroupId.of(id)));
        }
    }

    @Test
    void segmentsStayBoundedWhileEveryGroupSnapshotsAndAReopenedLogHoldsEverything(
            @TempDir Path directory) throws IOException {
        try (WalFixture fixture = new WalFixture(directory, SMALL_SEGMENTS)) {
            int segmentsMost = 0;
            for (int round = 0; round < 80; round++) {
                fixture.persistDurably(steadyRound(round).toArray(GroupWrite[]::new));
                segmentsMost = Math.max(segmentsMost, segments(directory).size());
            }

            assertThat(segmentsMost).as("most segments at once").isLessThanOrEqualTo(SEGMENTS_MAX);
            assertThat(sequenceOf(segments(directory).getFirst()))
                    .as("oldest segment left: the first ones were deleted")
                    .isGreaterThan(10);
            fixture.assertReopenRecoversOracle("after deleting old segments");
        }
    }

    @Test
    void laggingGroupPinsItsSegmentsUntilItSnapshots(@TempDir Path directory) throws IOException {
        GroupScript lagging = new GroupScript(GroupId.of(9));
        try (WalFixture fixture = new WalFixture(directory, SMALL_SEGMENTS)) {
            List<GroupWrite> first = steadyRound(0);
            first.add(lagging.append(2, 40));
            fixture.persistDurably(first.toArray(GroupWrite[]::new));
            for (int round = 1; round < 60; round++) {
                fixture.persistDurably(steadyRound(round).toArray(GroupWrite[]::new));
            }

            assertThat(sequenceOf(segments(directory).getFirst()))
                    .as("the lagging group's entries keep the first segment")
                    .isEqualTo(1);
            assertThat(segments(directory)).hasSizeGreaterThan(2 * SEGMENTS_MAX);
            assertThat(fixture.wal().groupsToSnapshot())
                    .as("the WAL asks the pinning group to snapshot")
                    .containsExactly(GroupId.of(9));

            List<GroupWrite> caughtUp = steadyRound(60);
            caughtUp.add(lagging.localSnapshot(lagging.commitIndex()));
            fixture.persistDurably(caughtUp.toArray(GroupWrite[]::new));

            assertThat(segments(directory))
                    .as("segments once the lagging group snapshotted")
                    .hasSizeLessThanOrEqualTo(SEGMENTS_MAX);
            assertThat(fixture.wal().groupsToSnapshot()).isEmpty();
            fixture.assertReopenRecoversOracle("after the lagging group snapshotted");
        }
    }

    /**
     * Groups here snapshot every round at their last entry, so each segment's first record for a
     * group follows its checkpoint without a gap; only the removed group pins segments.
     */
    @Test
    void removedGroupReleasesItsSegmentsAndSnapshotFilesAndDoesNotComeBack(@TempDir Path directory)
            throws IOException {
        GroupScript removed = new GroupScript(GroupId.of(9));
        try (WalFixture fixture = new WalFixture(directory, SMALL_SEGMENTS)) {
            List<GroupWrite> first = appendRound();
            first.add(removed.append(2, 40));
            fixture.persistDurably(first.toArray(GroupWrite[]::new));
            List<GroupWrite> second = snapshotEveryRound();
            second.add(removed.snapshotThenAppend(2, 40)); // entries 3..4 after its snapshot
            fixture.persistDurably(second.toArray(GroupWrite[]::new));
            for (int round = 2; round < 40; round++) {
                fixture.persistDurably(snapshotEveryRound().toArray(GroupWrite[]::new));
            }
            assertThat(sequenceOf(segments(directory).getFirst())).isEqualTo(1);
            assertThat(snapshotFilesOf(directory, removed.group())).hasSize(1);

            fixture.remove(removed.group());
            fixture.persistDurably(snapshotEveryRound().toArray(GroupWrite[]::new));

            assertThat(segments(directory)).as("segments after the removal").hasSizeLessThan(4);
            assertThat(snapshotFilesOf(directory, removed.group())).isEmpty();
            fixture.assertReopenRecoversOracle("after removing the pinning group");
            assertThat(fixture.oracle().groups()).doesNotContain(removed.group());
        }
    }

    /**
     * The smallest case of replaying after a deletion: entries 4..6 sit in the segment left, before
     * the snapshot at 6 that let the segment holding 1..3 go. Replay meets 4..6 with 1..3 gone.
     */
    @Test
    void entriesBeforeASnapshotInTheActiveSegmentSurviveDeletingTheSegmentBefore(
            @TempDir Path directory) throws IOException {
        WriteAheadLog.Options tiny = new WriteAheadLog.Options(256, 1 << 20, 4);
        GroupScript g1 = steady.getFirst();
        try (WalFixture fixture = new WalFixture(directory, tiny)) {
            fixture.persistDurably(g1.append(3, 100)); // fills the first segment
            fixture.persistDurably(g1.append(3, 1)); // starts the second
            fixture.persistDurably(g1.localSnapshot(6));

            assertThat(segments(directory)).as("the first segment is deleted").hasSize(1);
            fixture.assertReopenRecoversOracle("snapshot 6, entries 4..6 in the segment left");
        }
    }

    /** Every steady group appends two entries; one in turn also snapshots at its commit index. */
    private List<GroupWrite> steadyRound(int round) {
        List<GroupWrite> writes = new ArrayList<>();
        for (int i = 0; i < steady.size(); i++) {
            GroupScript script = steady.get(i);
            boolean due = (round + 2 * i) % SNAPSHOT_EVERY_ROUNDS == 0;
            writes.add(
                    due && script.commitIndex() > script.snapshotIndex()
                            ? script.snapshotThenAppend(2, 40)
                            : script.append(2, 40));
        }
        return writes;
    }

    private List<GroupWrite> appendRound() {
        List<GroupWrite> writes = new ArrayList<>();
        steady.forEach(script -> writes.add(script.append(2, 40)));
        return writes;
    }

    private List<GroupWrite> snapshotEveryRound() {
        List<GroupWrite> writes = new ArrayList<>();
        steady.forEach(script -> writes.add(script.snapshotThenAppend(2, 40)));
        return writes;
    }

    private static long sequenceOf(Path segment) {
        return SegmentTracker.sequenceOf(segment);
    }

    private static List<Path> snapshotFilesOf(Path directory, GroupId group) throws IOException {
        String prefix = "g" + group.value() + "-";
        return WalFiles.snapshotFiles(directory).stream()
                .filter(file -> file.getFileName().toString().startsWith(prefix))
                .toList();
    }
}
