package io.raftkv.raft.core;

import static io.raftkv.raft.core.RaftLogTest.snapshotAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RaftLog} under seeded random operation sequences that respect its preconditions: after
 * every step the class invariants hold, and each leader append matches a reference merge written
 * straight from Raft figure 2.
 */
class RaftLogPropertyTest {
    private static final int SEEDS = 400;
    private static final int STEPS = 150;

    @Test
    void bytesAfterSnapshotStaysTheSumOfEntrySizesThroughRandomOperations() {
        SeededCases.forEachSeed(
                50_000,
                SEEDS,
                (seed, random) -> {
                    RaftLog log = new RaftLog(snapshotAt(0, 0), List.of(), 0);
                    for (int step = 0; step < STEPS; step++) {
                        String operation = randomStep(log, random);
                        String context = "seed %d step %d %s".formatted(seed, step, operation);
                        assertThat(log.bytesAfterSnapshot())
                                .as("%s: bytesAfterSnapshot", context)
                                .isEqualTo(recomputedBytes(log));
                        assertThat(log.entryCount())
                                .as("%s: entryCount", context)
                                .isEqualTo(log.lastIndex() - log.snapshotIndex());
                    }
                });
    }

    @Test
    void randomOperationsKeepTheLogInvariants() {
        SeededCases.forEachSeed(
                60_000,
                SEEDS,
                (seed, random) -> {
                    RaftLog log = new RaftLog(snapshotAt(0, 0), List.of(), 0);
                    for (int step = 0; step < STEPS; step++) {
                        String operation = randomStep(log, random);
                        checkInvariants(log, "seed %d step %d %s".formatted(seed, step, operation));
                    }
                });
    }

    @Test
    void appendFromLeaderAgreesWithTheReferenceMerge() {
        SeededCases.forEachSeed(
                70_000,
                SEEDS,
                (seed, random) -> {
                    RaftLog log = new RaftLog(snapshotAt(0, 0), List.of(), 0);
                    for (int step = 0; step < STEPS; step++) {
                        if (random.nextInt(3) > 0) {
                            randomStep(log, random);
                            continue;
                        }
                        long prevIndex = randomPrevIndex(log, random);
                        List<Entry> batch = randomLeaderBatch(log, prevIndex, random);
                        checkAppendFromLeader(log, prevIndex, batch, "seed %d step %d", seed, step);
                    }
                });
    }

    @Test
    void termSearchesAgreeWithALinearScan() {
        SeededCases.forEachSeed(
                80_000,
                SEEDS,
                (seed, random) -> {
                    RaftLog log = new RaftLog(snapshotAt(0, 0), List.of(), 0);
                    for (int step = 0; step < 60; step++) {
                        randomStep(log, random);
                    }
                    String context =
                            "seed %d, snapshot %d/%d, terms %s"
                                    .formatted(
                                            seed,
                                            log.snapshotIndex(),
                                            log.snapshotTerm(),
                                            terms(log));
                    for (long index = log.firstIndex(); index <= log.lastIndex(); index++) {
                        assertThat(log.firstIndexOfTerm(index))
                                .as("%s: firstIndexOfTerm(%d)", context, index)
                                .isEqualTo(referenceFirstIndexOfTerm(log, index));
                    }
                    for (long term = 0; term <= log.lastTerm() + 1; term++) {
                        assertThat(log.lastIndexOfTerm(term))
                                .as("%s: lastIndexOfTerm(%d)", context, term)
                                .isEqualTo(referenceLastIndexOfTerm(log, term));
                    }
                });
    }

    @Test
    void sliceReturnsTheLongestPrefixWithinItsLimits() {
        SeededCases.forEachSeed(
                90_000,
                SEEDS,
                (seed, random) -> {
                    RaftLog log = new RaftLog(snapshotAt(0, 0), List.of(), 0);
                    for (int step = 0; step < 60; step++) {
                        randomStep(log, random);
                    }
                    for (int slice = 0; slice < 20; slice++) {
                        long from = random.nextLong(log.firstIndex(), log.lastIndex() + 3);
                        long to = random.nextLong(from - 1, log.lastIndex() + 3);
                        int countMax = random.nextInt(1, 8);
                        long bytesMax = random.nextLong(1, 200);
                        List<Entry> expected = referenceSlice(log, from, to, countMax, bytesMax);
                        assertThat(log.slice(from, to, countMax, bytesMax))
                                .as(
                                        "seed %d: slice(%d, %d, %d, %d) of %s",
                                        seed, from, to, countMax, bytesMax, terms(log))
                                .isEqualTo(expected);
                    }
                });
    }

    // ------------------------------------------------------------------ generators

    /**
     * One random operation that meets its preconditions (so none may throw); returns what it did.
     */
    private static String randomStep(RaftLog log, SplittableRandom random) {
        int choice = random.nextInt(20);
        if (choice < 6) {
            Entry entry =
                    randomEntry(log.lastIndex() + 1, nextTerm(log.lastTerm(), random), random);
            log.appendOne(entry);
            return "appendOne " + entry;
        } else if (choice < 10) {
            long prevIndex = randomPrevIndex(log, random);
            List<Entry> batch = randomLeaderBatch(log, prevIndex, random);
            log.appendFromLeader(prevIndex, batch);
            return "appendFromLeader(%d, %s)".formatted(prevIndex, batch);
        } else if (choice < 13) {
            long index = random.nextLong(log.snapshotIndex(), log.lastIndex() + 1);
            log.persistedTo(index);
            return "persistedTo " + index;
        } else if (choice < 16) {
            long index = random.nextLong(log.commitIndex(), log.lastIndex() + 1);
            log.commitTo(index);
            return "commitTo " + index;
        } else if (choice < 18) {
            long index = random.nextLong(log.appliedIndex(), log.commitIndex() + 1);
            log.appliedTo(index);
            return "appliedTo " + index;
        } else if (choice < 19 && log.appliedIndex() > log.snapshotIndex()) {
            long index = random.nextLong(log.snapshotIndex() + 1, log.appliedIndex() + 1);
            log.compactTo(index);
            return "compactTo " + index;
        } else if (random.nextInt(3) == 0) {
            SnapshotMeta meta =
                    snapshotAt(
                            log.commitIndex() + 1 + random.nextInt(6),
                            nextTerm(log.lastTerm(), random));
            log.restore(meta);
            return "restore " + meta;
        }
        return "nothing";
    }

    /** A term at least {@code previous} (and at least 1). */
    private static long nextTerm(long previous, SplittableRandom random) {
        return Math.max(1, previous) + (random.nextInt(3) == 0 ? 1 : 0);
    }

    private static Entry randomEntry(long index, long term, SplittableRandom random) {
        byte[] data = new byte[random.nextInt(0, 40)];
        random.nextBytes(data);
        return Entry.command(index, term, data);
    }

    /** A prevLogIndex the follower matches, sometimes reaching back into its snapshot. */
    private static long randomPrevIndex(RaftLog log, SplittableRandom random) {
        return random.nextLong(Math.max(0, log.snapshotIndex() - 3), log.lastIndex() + 1);
    }

    /**
     * What a leader could send after {@code prevIndex}: it agrees with every entry up to the commit
     * index (Leader Completeness), and past it may disagree from one index on, with any term that
     * keeps terms non-decreasing (even one lower than the entry it replaces).
     */
    private static List<Entry> randomLeaderBatch(
            RaftLog log, long prevIndex, SplittableRandom random) {
        int count = random.nextInt(0, 6);
        long lastGiven = prevIndex + count;
        long conflictFrom = Math.max(log.commitIndex() + 1, prevIndex + 1);
        long conflictTo = Math.min(log.lastIndex(), lastGiven);
        long conflictAt =
                random.nextBoolean() && conflictFrom <= conflictTo
                        ? random.nextLong(conflictFrom, conflictTo + 1)
                        : Long.MAX_VALUE;
        long term = Math.max(1, prevIndex < log.snapshotIndex() ? 1 : log.term(prevIndex));
        List<Entry> batch = new ArrayList<>();
        for (long index = prevIndex + 1; index <= lastGiven; index++) {
            if (index <= log.snapshotIndex()) {
                batch.add(randomEntry(index, log.snapshotTerm(), random));
                term = log.snapshotTerm();
            } else if (index < conflictAt && index <= log.lastIndex()) {
                batch.add(log.entry(index));
                term = log.entry(index).term();
            } else {
                if (index == conflictAt) {
                    term = random.nextLong(term, term + 3);
                    term = term == log.term(index) ? term + 1 : term;
                } else {
                    term = nextTerm(term, random);
                }
                batch.add(randomEntry(index, term, random));
            }
        }
        return batch;
    }

    // ------------------------------------------------------------------ checks, references

    private static void checkInvariants(RaftLog log, String context) {
        assertThat(log.snapshotIndex())
                .as("%s: snapshot <= applied", context)
                .isLessThanOrEqualTo(log.appliedIndex());
        assertThat(log.appliedIndex())
                .as("%s: applied <= commit", context)
                .isLessThanOrEqualTo(log.commitIndex());
        assertThat(log.commitIndex())
                .as("%s: commit <= last", context)
                .isLessThanOrEqualTo(log.lastIndex());
        assertThat(log.persistedIndex())
                .as("%s: snapshot <= persisted <= last", context)
                .isBetween(log.snapshotIndex(), log.lastIndex());
        long previousTerm = log.snapshotTerm();
        for (long index = log.firstIndex(); index <= log.lastIndex(); index++) {
            Entry entry = log.entry(index);
            assertThat(entry.index()).as("%s: entry at %d", context, index).isEqualTo(index);
            assertThat(entry.term())
                    .as("%s: term at %d", context, index)
                    .isGreaterThanOrEqualTo(previousTerm);
            previousTerm = entry.term();
        }
        assertThat(log.lastTerm()).as("%s: lastTerm", context).isEqualTo(previousTerm);
        assertThat(indexesOf(log.unpersisted()))
                .as("%s: unpersisted", context)
                .isEqualTo(range(log.persistedIndex() + 1, log.lastIndex()));
    }

    /**
     * Checks one leader append against the reference merge, and the persisted index against the
     * first entry the append replaced.
     */
    private static void checkAppendFromLeader(
            RaftLog log, long prevIndex, List<Entry> batch, String format, Object... args) {
        String context =
                format.formatted(args)
                        + " appendFromLeader(%d, %s) to %s"
                                .formatted(prevIndex, batch, entriesOf(log));
        List<Entry> before = entriesOf(log);
        long persistedBefore = log.persistedIndex();
        List<Entry> expected = referenceMerge(before, log.snapshotIndex(), batch);

        long lastNew = log.appendFromLeader(prevIndex, batch);

        assertThat(lastNew).as("%s: returned", context).isEqualTo(prevIndex + batch.size());
        assertThat(entriesOf(log)).as("%s: entries", context).isEqualTo(expected);
        long firstReplaced = Long.MAX_VALUE;
        for (int position = 0; position < before.size(); position++) {
            if (!before.get(position).equals(expected.get(position))) {
                firstReplaced = before.get(position).index();
                break;
            }
        }
        assertThat(log.persistedIndex())
                .as("%s: persisted", context)
                .isEqualTo(Math.min(persistedBefore, firstReplaced - 1));
    }

    /**
     * Raft figure 2, AppendEntries steps 3 and 4: an existing entry that conflicts with a new one
     * (same index, different term) is deleted with all that follow it; new entries not already in
     * the log are appended. Entries covered by the snapshot are not in the list at all.
     */
    private static List<Entry> referenceMerge(
            List<Entry> existing, long snapshotIndex, List<Entry> incoming) {
        List<Entry> merged = new ArrayList<>(existing);
        for (Entry entry : incoming) {
            if (entry.index() <= snapshotIndex) {
                continue;
            }
            int position = (int) (entry.index() - snapshotIndex - 1);
            if (position < merged.size() && merged.get(position).term() != entry.term()) {
                merged.subList(position, merged.size()).clear();
            }
            if (position == merged.size()) {
                merged.add(entry);
            }
        }
        return merged;
    }

    private static long referenceFirstIndexOfTerm(RaftLog log, long index) {
        long first = index;
        for (long earlier = index - 1; earlier > log.snapshotIndex(); earlier--) {
            if (log.entry(earlier).term() != log.entry(index).term()) {
                break;
            }
            first = earlier;
        }
        return first;
    }

    private static long referenceLastIndexOfTerm(RaftLog log, long term) {
        long last = log.snapshotTerm() == term ? log.snapshotIndex() : -1;
        for (long index = log.firstIndex(); index <= log.lastIndex(); index++) {
            if (log.entry(index).term() == term) {
                last = index;
            }
        }
        return last;
    }

    /**
     * Takes entries from {@code from} while they lie in [from, min(to, lastIndex)], fewer than
     * countMax are taken, and either none is taken yet or the total stays within bytesMax.
     */
    private static List<Entry> referenceSlice(
            RaftLog log, long from, long to, int countMax, long bytesMax) {
        List<Entry> taken = new ArrayList<>();
        long bytes = 0;
        for (Entry entry : entriesOf(log)) {
            if (entry.index() < from || entry.index() > to || taken.size() == countMax) {
                continue;
            }
            if (!taken.isEmpty() && bytes + entry.sizeBytes() > bytesMax) {
                break;
            }
            taken.add(entry);
            bytes += entry.sizeBytes();
        }
        return taken;
    }

    private static long recomputedBytes(RaftLog log) {
        return entriesOf(log).stream().mapToLong(Entry::sizeBytes).sum();
    }

    private static List<Entry> entriesOf(RaftLog log) {
        List<Entry> entries = new ArrayList<>();
        for (long index = log.firstIndex(); index <= log.lastIndex(); index++) {
            entries.add(log.entry(index));
        }
        return entries;
    }

    private static List<Long> terms(RaftLog log) {
        return entriesOf(log).stream().map(Entry::term).toList();
    }

    private static List<Long> indexesOf(List<Entry> entries) {
        return entries.stream().map(Entry::index).toList();
    }

    private static List<Long> range(long first, long last) {
        List<Long> range = new ArrayList<>();
        for (long index = first; index <= last; index++) {
            range.add(index);
        }
        return range;
    }
}
