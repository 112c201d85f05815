package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.NodeId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RaftLog}: the examples; {@link RaftLogPropertyTest} has the randomized properties. */
class RaftLogTest {
    private static final Membership VOTERS = Membership.of(NodeId.of(1));

    // ------------------------------------------------------------------ appendFromLeader

    @Test
    void entriesAfterTheLastIndexExtendTheLog() {
        RaftLog log = log(1, 1, 2);

        long lastNew = log.appendFromLeader(3, List.of(entry(4, 2), entry(5, 3)));

        assertThat(lastNew).isEqualTo(5);
        assertThat(terms(log)).containsExactly(1L, 1L, 2L, 2L, 3L);
        assertThat(log.unpersisted()).containsExactly(entry(4, 2), entry(5, 3));
    }

    @Test
    void entriesAlreadyPresentWithTheSameTermAreKeptWithTheRestOfTheLog() {
        RaftLog log = log(1, 2, 2, 3);

        long lastNew = log.appendFromLeader(1, List.of(entry(2, 2), entry(3, 2)));

        assertThat(lastNew).as("the last entry given, not the last in the log").isEqualTo(3);
        assertThat(terms(log)).containsExactly(1L, 2L, 2L, 3L);
        assertThat(log.persistedIndex()).isEqualTo(4);
        assertThat(log.unpersisted()).isEmpty();
    }

    @Test
    void conflictingEntryTruncatesTheSuffix() {
        RaftLog log = log(1, 1, 2, 2, 2);

        long lastNew = log.appendFromLeader(2, List.of(entry(3, 3)));

        assertThat(lastNew).isEqualTo(3);
        assertThat(terms(log)).containsExactly(1L, 1L, 3L);
        assertThat(log.term(4)).isEqualTo(-1);
    }

    @Test
    void conflictInsideTheBatchKeepsTheMatchingPrefix() {
        RaftLog log = log(1, 1, 1, 1);

        log.appendFromLeader(1, List.of(entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)));

        assertThat(terms(log)).containsExactly(1L, 1L, 2L, 2L, 2L);
        assertThat(log.persistedIndex()).isEqualTo(2);
        assertThat(log.unpersisted()).containsExactly(entry(3, 2), entry(4, 2), entry(5, 2));
    }

    @Test
    void conflictMayReplaceAnEntryWithOneOfALowerTerm() {
        RaftLog log = log(1, 1, 3);

        log.appendFromLeader(2, List.of(entry(3, 2), entry(4, 4)));

        assertThat(terms(log)).containsExactly(1L, 1L, 2L, 4L);
    }

    @Test
    void entriesCoveredByTheSnapshotAreSkipped() {
        RaftLog log = logAfter(5, 2, 2, 3);

        long lastNew =
                log.appendFromLeader(
                        3,
                        List.of(entry(4, 2), entry(5, 2), entry(6, 2), entry(7, 3), entry(8, 3)));

        assertThat(lastNew).isEqualTo(8);
        assertThat(log.firstIndex()).isEqualTo(6);
        assertThat(terms(log)).containsExactly(2L, 3L, 3L);
    }

    @Test
    void heartbeatWithoutEntriesReturnsItsPrevLogIndex() {
        RaftLog log = log(1, 1, 1, 1);

        assertThat(log.appendFromLeader(2, List.of())).isEqualTo(2);
        assertThat(log.lastIndex()).isEqualTo(4);
    }

    @Test
    void truncatingACommittedEntryThrowsAndLeavesTheLogAlone() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);

        assertThatThrownBy(() -> log.appendFromLeader(1, List.of(entry(2, 2))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("committed entry 2");
        assertThat(terms(log)).containsExactly(1L, 1L, 1L);
    }

    @Test
    void conflictJustPastTheCommitIndexIsAllowed() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);

        log.appendFromLeader(2, List.of(entry(3, 2)));

        assertThat(terms(log)).containsExactly(1L, 1L, 2L);
    }

    @Test
    void appendOneRejectsAGapAndATermGoingBack() {
        RaftLog log = log(1, 2);

        assertThatThrownBy(() -> log.appendOne(entry(4, 2)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.appendOne(entry(3, 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.appendFromLeader(2, List.of(entry(4, 2))))
                .as("a leader batch that leaves a gap")
                .isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ recovery, commit

    @Test
    void recoveredLogIsPersistedAndAppliedUpToItsSnapshot() {
        RaftLog log = new RaftLog(snapshotAt(5, 2), List.of(entry(6, 2), entry(7, 3)), 3);

        assertThat(log.persistedIndex()).isEqualTo(7);
        assertThat(log.unpersisted()).isEmpty();
        assertThat(log.commitIndex()).as("never below the snapshot").isEqualTo(5);
        assertThat(log.appliedIndex()).isEqualTo(5);
        assertThat(log.lastTerm()).isEqualTo(3);
    }

    @Test
    void recoveredCommitIndexPastTheLastEntryThrows() {
        assertThatThrownBy(() -> new RaftLog(snapshotAt(0, 0), List.of(entry(1, 1)), 2))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void recoveredEntriesMustStartJustAfterTheSnapshot() {
        assertThatThrownBy(() -> new RaftLog(snapshotAt(5, 2), List.of(entry(7, 2)), 0))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new RaftLog(snapshotAt(5, 2), List.of(entry(5, 2)), 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void commitPastTheLastIndexThrows() {
        RaftLog log = log(1, 1);

        assertThatThrownBy(() -> log.commitTo(3)).isInstanceOf(IllegalStateException.class);
        assertThat(log.commitIndex()).isZero();
    }

    @Test
    void commitIndexNeverMovesBack() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);

        log.commitTo(1);

        assertThat(log.commitIndex()).isEqualTo(2);
    }

    @Test
    void appliedIndexStaysBetweenItselfAndTheCommitIndex() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);
        log.appliedTo(2);

        assertThatThrownBy(() -> log.appliedTo(3)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.appliedTo(1)).isInstanceOf(IllegalStateException.class);
        assertThat(log.appliedIndex()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ term, entry

    @Test
    void termIsKnownFromTheSnapshotBoundaryToTheLastIndexOnly() {
        RaftLog log = logAfter(5, 2, 2, 3);

        assertThat(log.term(5)).as("snapshot boundary").isEqualTo(2);
        assertThat(log.term(6)).isEqualTo(2);
        assertThat(log.term(7)).isEqualTo(3);
        assertThat(log.term(4)).as("compacted").isEqualTo(-1);
        assertThat(log.term(0)).as("compacted sentinel").isEqualTo(-1);
        assertThat(log.term(8)).as("past the end").isEqualTo(-1);
    }

    @Test
    void emptyLogHasTheSentinelTermZeroAtIndexZero() {
        RaftLog log = log();

        assertThat(log.term(0)).isZero();
        assertThat(log.matchTerm(0, 0)).isTrue();
        assertThat(log.term(1)).isEqualTo(-1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.lastTerm()).isZero();
    }

    @Test
    void entryOutsideTheLogThrows() {
        RaftLog log = logAfter(5, 2, 2, 3);

        assertThatThrownBy(() -> log.entry(5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.entry(8)).isInstanceOf(IllegalStateException.class);
        assertThat(log.entry(6).term()).isEqualTo(2);
    }

    // ------------------------------------------------------------------ slice

    @Test
    void sliceStopsAtTheCountLimit() {
        RaftLog log = log(1, 1, 1, 1, 1, 1);

        assertThat(indexes(log.slice(2, 6, 3, Long.MAX_VALUE))).containsExactly(2L, 3L, 4L);
    }

    @Test
    void sliceStopsBeforeTheByteLimitIsExceeded() {
        RaftLog log = logOfSizedEntries(6, 10); // 34 bytes each
        long threeEntries = 3 * (Entry.OVERHEAD_BYTES + 10);

        assertThat(log.slice(1, 6, 100, threeEntries)).hasSize(3);
        assertThat(log.slice(1, 6, 100, threeEntries - 1)).hasSize(2);
        assertThat(log.slice(1, 6, 100, threeEntries + 33)).hasSize(3);
    }

    @Test
    void sliceReturnsAtLeastOneEntryEvenPastTheByteLimit() {
        RaftLog log = logOfSizedEntries(3, 1_000);

        assertThat(indexes(log.slice(2, 3, 100, 1))).containsExactly(2L);
    }

    @Test
    void sliceStopsAtItsUpperBoundAndAtTheLastIndex() {
        RaftLog log = log(1, 1, 1, 1, 1);

        assertThat(indexes(log.slice(2, 3, 100, Long.MAX_VALUE))).containsExactly(2L, 3L);
        assertThat(indexes(log.slice(4, 99, 100, Long.MAX_VALUE))).containsExactly(4L, 5L);
        assertThat(log.slice(6, 99, 100, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void sliceIntoTheSnapshotThrows() {
        RaftLog log = logAfter(5, 2, 2, 3);

        assertThatThrownBy(() -> log.slice(5, 7, 100, Long.MAX_VALUE))
                .isInstanceOf(IllegalStateException.class);
        assertThat(indexes(log.slice(6, 7, 100, Long.MAX_VALUE))).containsExactly(6L, 7L);
    }

    // ------------------------------------------------------------------ persistence

    @Test
    void newEntriesStayUnpersistedUntilPersistedTo() {
        RaftLog log = log(1);
        log.appendOne(entry(2, 1));
        log.appendOne(entry(3, 2));

        assertThat(log.unpersisted()).containsExactly(entry(2, 1), entry(3, 2));
        log.persistedTo(2);
        assertThat(log.unpersisted()).containsExactly(entry(3, 2));
        log.persistedTo(3);
        assertThat(log.unpersisted()).isEmpty();
    }

    @Test
    void persistedIndexNeverMovesBack() {
        RaftLog log = log(1, 1, 1);

        log.persistedTo(1);

        assertThat(log.persistedIndex()).isEqualTo(3);
    }

    @Test
    void persistedToPastTheLastIndexThrows() {
        RaftLog log = log(1, 1);

        assertThatThrownBy(() -> log.persistedTo(3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void truncationOfPersistedEntriesPullsThePersistedIndexBack() {
        RaftLog log = log(1, 1, 1, 1);

        log.appendFromLeader(1, List.of(entry(2, 2)));

        assertThat(log.persistedIndex()).isEqualTo(1);
        assertThat(log.unpersisted()).containsExactly(entry(2, 2));
    }

    @Test
    void truncationOfUnpersistedEntriesKeepsThePersistedIndex() {
        RaftLog log = log(1, 1);
        log.appendOne(entry(3, 1));
        log.appendOne(entry(4, 1));

        log.appendFromLeader(3, List.of(entry(4, 2)));

        assertThat(log.persistedIndex()).isEqualTo(2);
        assertThat(log.unpersisted()).containsExactly(entry(3, 1), entry(4, 2));
    }

    // ------------------------------------------------------------------ compaction, restore

    @Test
    void compactionDropsTheCoveredEntriesAndKeepsTheRest() {
        RaftLog log = log(1, 1, 2, 2, 3);
        log.commitTo(4);
        log.appliedTo(4);

        log.compactTo(3);

        assertThat(log.snapshotIndex()).isEqualTo(3);
        assertThat(log.snapshotTerm()).isEqualTo(2);
        assertThat(log.term(3)).isEqualTo(2);
        assertThat(log.term(2)).isEqualTo(-1);
        assertThat(terms(log)).containsExactly(2L, 3L);
        assertThat(log.entryCount()).isEqualTo(2);
        assertThat(log.bytesAfterSnapshot()).isEqualTo(entry(4, 2).sizeBytes() * 2);
        assertThat(log.commitIndex()).isEqualTo(4);
        assertThat(log.appliedIndex()).isEqualTo(4);
    }

    @Test
    void compactionOfUnpersistedEntriesCountsThemAsPersisted() {
        RaftLog log = log(1, 1);
        log.appendOne(entry(3, 1));
        log.appendOne(entry(4, 1));
        log.commitTo(4);
        log.appliedTo(4);

        log.compactTo(3);

        assertThat(log.persistedIndex()).isEqualTo(3);
        assertThat(log.unpersisted()).containsExactly(entry(4, 1));
    }

    @Test
    void compactionOutsideTheSnapshotAndTheAppliedIndexThrows() {
        RaftLog log = logAfter(2, 1, 1, 1, 1, 1);
        log.commitTo(5);
        log.appliedTo(4);

        assertThatThrownBy(() -> log.compactTo(5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.compactTo(2)).isInstanceOf(IllegalStateException.class);
        assertThat(log.snapshotIndex()).isEqualTo(2);
    }

    @Test
    void restoreReplacesTheWholeLog() {
        RaftLog log = log(1, 1, 2, 2);
        log.commitTo(1);

        log.restore(snapshotAt(3, 2));

        assertThat(log.snapshotIndex()).isEqualTo(3);
        assertThat(log.lastIndex()).as("entry 4 is dropped too").isEqualTo(3);
        assertThat(log.lastTerm()).isEqualTo(2);
        assertThat(log.entryCount()).isZero();
        assertThat(log.bytesAfterSnapshot()).isZero();
        assertThat(log.persistedIndex()).isEqualTo(3);
        assertThat(log.commitIndex()).isEqualTo(3);
        assertThat(log.appliedIndex()).isEqualTo(3);
    }

    @Test
    void restoreBeyondTheLastIndexLetsTheLogContinueAfterIt() {
        RaftLog log = log(1, 1);

        log.restore(snapshotAt(10, 4));
        log.appendFromLeader(10, List.of(entry(11, 4)));

        assertThat(log.term(10)).isEqualTo(4);
        assertThat(log.firstIndex()).isEqualTo(11);
        assertThat(terms(log)).containsExactly(4L);
    }

    @Test
    void restoreAtOrBelowTheCommitIndexThrows() {
        RaftLog log = log(1, 1, 1);
        log.commitTo(2);

        assertThatThrownBy(() -> log.restore(snapshotAt(2, 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(log.lastIndex()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ term searches

    @Test
    void firstIndexOfTermWalksBackToTheStartOfTheTerm() {
        RaftLog log = log(1, 1, 2, 2, 2, 4);

        assertThat(log.firstIndexOfTerm(5)).isEqualTo(3);
        assertThat(log.firstIndexOfTerm(3)).isEqualTo(3);
        assertThat(log.firstIndexOfTerm(2)).isEqualTo(1);
        assertThat(log.firstIndexOfTerm(6)).isEqualTo(6);
    }

    @Test
    void firstIndexOfTermStopsAtTheSnapshot() {
        RaftLog log = logAfter(3, 2, 2, 2, 3);

        assertThat(log.firstIndexOfTerm(5)).isEqualTo(4);
        assertThat(log.firstIndexOfTerm(3)).isEqualTo(3);
    }

    @Test
    void lastIndexOfTermFindsTheTermsLastEntryOrMinusOne() {
        RaftLog log = log(1, 1, 2, 2, 2, 4);

        assertThat(log.lastIndexOfTerm(1)).isEqualTo(2);
        assertThat(log.lastIndexOfTerm(2)).isEqualTo(5);
        assertThat(log.lastIndexOfTerm(4)).isEqualTo(6);
        assertThat(log.lastIndexOfTerm(3)).as("a skipped term").isEqualTo(-1);
        assertThat(log.lastIndexOfTerm(5)).as("a later term").isEqualTo(-1);
    }

    @Test
    void lastIndexOfTermReachesTheSnapshotBoundary() {
        RaftLog log = logAfter(3, 2, 3);

        assertThat(log.lastIndexOfTerm(2)).isEqualTo(3);
        assertThat(log.lastIndexOfTerm(1)).as("compacted away").isEqualTo(-1);
        assertThat(logAfter(3, 2).lastIndexOfTerm(2)).isEqualTo(3);
    }

    // ------------------------------------------------------------------ isUpToDate

    @Test
    void aLaterLastTermIsUpToDateWhateverItsLength() {
        RaftLog log = log(1, 2, 3, 3, 3);

        assertThat(log.isUpToDate(1, 4)).isTrue();
        assertThat(log.isUpToDate(100, 2)).isFalse();
    }

    @Test
    void withTheSameLastTermTheLongerLogIsUpToDate() {
        RaftLog log = log(1, 2, 3, 3, 3);

        assertThat(log.isUpToDate(5, 3)).as("equal logs").isTrue();
        assertThat(log.isUpToDate(6, 3)).isTrue();
        assertThat(log.isUpToDate(4, 3)).isFalse();
        assertThat(log().isUpToDate(0, 0)).as("two empty logs").isTrue();
    }

    @Test
    void upToDateComparesAgainstTheSnapshotWhenNoEntriesFollowIt() {
        RaftLog log = logAfter(7, 3);

        assertThat(log.isUpToDate(7, 3)).isTrue();
        assertThat(log.isUpToDate(6, 3)).isFalse();
        assertThat(log.isUpToDate(9, 2)).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    static SnapshotMeta snapshotAt(long index, long term) {
        return new SnapshotMeta(index, term, VOTERS);
    }

    /** An entry whose data (its index's low byte) tells entries of the same index apart. */
    static Entry entry(long index, long term) {
        return Entry.command(index, term, new byte[] {(byte) index});
    }

    private static RaftLog log(long... terms) {
        return logAfter(0, 0, terms);
    }

    /** A recovered log: a snapshot at (snapshotIndex, snapshotTerm), then entries of terms. */
    private static RaftLog logAfter(long snapshotIndex, long snapshotTerm, long... terms) {
        List<Entry> entries = new ArrayList<>();
        for (int position = 0; position < terms.length; position++) {
            entries.add(entry(snapshotIndex + 1 + position, terms[position]));
        }
        return new RaftLog(snapshotAt(snapshotIndex, snapshotTerm), entries, 0);
    }

    private static RaftLog logOfSizedEntries(int count, int dataBytes) {
        List<Entry> entries = new ArrayList<>();
        for (int index = 1; index <= count; index++) {
            entries.add(Entry.command(index, 1, new byte[dataBytes]));
        }
        return new RaftLog(snapshotAt(0, 0), entries, 0);
    }

    /** The terms of the entries after the snapshot, in index order. */
    private static List<Long> terms(RaftLog log) {
        List<Long> terms = new ArrayList<>();
        for (long index = log.firstIndex(); index <= log.lastIndex(); index++) {
            terms.add(log.entry(index).term());
        }
        return terms;
    }

    private static List<Long> indexes(List<Entry> entries) {
        return entries.stream().map(Entry::index).toList();
    }
}
