package io.raftkv.raft.storage;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.SeededCases;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.host.GroupWrite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random batches over a few groups (appends, overwrites, hard states, local and leader
 * snapshots, removals), handed in without waiting so rounds group them differently from seed to
 * seed, with reopens along the way: every reopen loads what a {@code MemoryStorage} fed the same
 * batches holds. {@code -Dunit.seed=N} replays one seed.
 */
class WalPropertyTest {
    private static final int SEEDS = 10;
    private static final int STEPS = 200;
    private static final int REOPEN_EVERY_STEPS = 50;
    private static final int GROUPS = 5;

    @Test
    void randomBatchesRecoverExactlyAsMemoryStorageHoldsThem(@TempDir Path directory) {
        SeededCases.forEachSeed(
                900_000,
                SEEDS,
                (seed, random) -> run(directory, seed, random, WriteAheadLog.Options.defaults()));
    }

    @Test
    void randomBatchesRecoverExactlyWhenSegmentsRollAndAreDeleted(@TempDir Path directory) {
        SeededCases.forEachSeed(
                910_000,
                SEEDS,
                (seed, random) -> {
                    long segmentBytes = 512L << random.nextInt(4);
                    run(
                            directory,
                            seed,
                            random,
                            new WriteAheadLog.Options(segmentBytes, 1 << 20, 4));
                });
    }

    private static void run(
            Path directory, long seed, SplittableRandom random, WriteAheadLog.Options options) {
        TreeMap<GroupId, GroupScript> scripts = new TreeMap<>();
        for (int id = 1; id <= GROUPS; id++) {
            scripts.put(GroupId.of(id), new GroupScript(GroupId.of(id)));
        }
        try (WalFixture fixture = new WalFixture(directory.resolve("seed-" + seed), options)) {
            for (int step = 0; step < STEPS; step++) {
                if (random.nextInt(40) == 0) {
                    GroupId group = GroupId.of(1 + random.nextInt(GROUPS));
                    fixture.remove(group);
                    scripts.put(group, new GroupScript(group));
                } else {
                    CompletableFuture<Void> durable = fixture.persist(randomBatch(scripts, random));
                    if (random.nextInt(8) == 0) {
                        WalFixture.await(durable);
                    }
                }
                if ((step + 1) % REOPEN_EVERY_STEPS == 0) {
                    fixture.assertReopenRecoversOracle(
                            "seed %d step %d (%s)".formatted(seed, step, options));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One write for each of one to three distinct groups, as one host round hands in. */
    private static List<GroupWrite> randomBatch(
            TreeMap<GroupId, GroupScript> scripts, SplittableRandom random) {
        List<GroupScript> candidates = new ArrayList<>(scripts.values());
        List<GroupWrite> writes = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            GroupScript script = candidates.remove(random.nextInt(candidates.size()));
            writes.add(randomWrite(script, random));
        }
        return writes;
    }

    private static GroupWrite randomWrite(GroupScript script, SplittableRandom random) {
        int choice = random.nextInt(100);
        if (choice < 40) {
            return append(script, random, Optional.empty());
        }
        if (choice < 55 && script.lastIndex() >= script.firstOverwritableIndex()) {
            long from = random.nextLong(script.firstOverwritableIndex(), script.lastIndex() + 1);
            List<Entry> entries =
                    script.entriesFrom(from, 1 + random.nextInt(3), at -> data(random));
            return script.write(
                    Optional.of(randomCommit(script, random)), Optional.empty(), false, entries);
        }
        if (choice < 70 && script.commitIndex() > script.snapshotIndex()) {
            long index = random.nextLong(script.snapshotIndex() + 1, script.commitIndex() + 1);
            return append(script, random, Optional.of(script.localSnapshotAt(index)));
        }
        if (choice < 78) {
            long index = script.commitIndex() + 1 + random.nextInt(5);
            Snapshot snapshot = script.leaderSnapshotAt(index);
            List<Entry> entries =
                    script.entriesFrom(index + 1, random.nextInt(3), at -> data(random));
            return script.write(
                    Optional.of(script.hardState()), Optional.of(snapshot), true, entries);
        }
        if (choice < 92) {
            return script.write(
                    Optional.of(randomCommit(script, random)), Optional.empty(), false, List.of());
        }
        return script.vote();
    }

    /**
     * Zero to four new entries after an optional local snapshot, and maybe a hard state; never an
     * empty write (a host only writes for a group with something to persist).
     */
    private static GroupWrite append(
            GroupScript script, SplittableRandom random, Optional<Snapshot> snapshot) {
        List<Entry> entries =
                script.entriesFrom(script.lastIndex() + 1, random.nextInt(5), at -> data(random));
        boolean empty = entries.isEmpty() && snapshot.isEmpty();
        Optional<HardState> hardState =
                empty || random.nextBoolean()
                        ? Optional.of(randomCommit(script, random))
                        : Optional.empty();
        return script.write(hardState, snapshot, false, entries);
    }

    private static HardState randomCommit(GroupScript script, SplittableRandom random) {
        return script.commitTo(random.nextLong(script.commitIndex(), script.lastIndex() + 1));
    }

    private static byte[] data(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(48)];
        random.nextBytes(bytes);
        return bytes;
    }
}
