package io.raftkv.raft.storage;

import static io.raftkv.raft.storage.WalFixture.assertSameState;
import static io.raftkv.raft.storage.WalFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.MemoryStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL as {@code RaftStorage}: what a reopened log loads is what a {@link MemoryStorage} fed the
 * same batches holds, and a batch is on disk by the time its callback runs.
 */
class WriteAheadLogTest {
    private static final GroupId G1 = GroupId.of(1);
    private static final GroupId G2 = GroupId.of(2);
    private static final GroupId G3 = GroupId.of(3);

    @Test
    void reopenedLogLoadsWhatMemoryStorageHoldsForEveryKindOfWrite(@TempDir Path directory)
            throws IOException {
        GroupScript g1 = new GroupScript(G1);
        GroupScript g2 = new GroupScript(G2);
        GroupScript g3 = new GroupScript(G3);
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(g1.append(3, 10), g2.append(2, 5), g3.vote());
            fixture.persistDurably(g1.localSnapshot(2), g2.append(3, 20));
            fixture.persistDurably(g2.leaderSnapshot(8, 2), g1.appendUncommitted(3, 9));
            fixture.persistDurably(g1.overwrite(5, 2), g3.appendUncommitted(2, 0));
            fixture.persistDurably(g2.append(1, 1), g1.append(1, 4));
            fixture.persistDurably(g2.localSnapshot(10), g3.overwrite(1, 1));

            fixture.assertReopenRecoversOracle("first reopen");

            fixture.persistDurably(g1.snapshotThenAppend(2, 6), g3.append(2, 3));
            fixture.persistDurably(g2.leaderSnapshot(20, 0));
            fixture.assertReopenRecoversOracle("second reopen, after appending to the segment");
        }
    }

    @Test
    void everyBatchIsOnDiskWhenItsCallbackRunsAndCallbacksRunInOrder(@TempDir Path directory)
            throws IOException {
        int batches = 30;
        GroupScript g1 = new GroupScript(G1);
        List<GroupWrite> writes = new ArrayList<>();
        List<Integer> reported = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> lastReported = new CompletableFuture<>();
        try (WalFixture fixture = new WalFixture(directory.resolve("node"))) {
            for (int batch = 0; batch < batches; batch++) {
                int number = batch;
                GroupWrite write = g1.append(1, 16);
                writes.add(write);
                // The callback runs on the WAL's writer thread: copy the files as they are then.
                fixture.wal()
                        .persist(
                                List.of(write),
                                () -> {
                                    reported.add(number);
                                    copyOnDurable(fixture, directory.resolve("at-" + number));
                                    if (number == batches - 1) {
                                        lastReported.complete(null);
                                    }
                                });
            }
            await(lastReported);
        }

        assertThat(reported).as("callback order").isSorted().hasSize(batches);
        for (int batch = 0; batch < batches; batch++) {
            MemoryStorage handedIn = WalFixture.oracleOf(List.of(writes.subList(0, batch + 1)));
            try (WalFixture copy = new WalFixture(directory.resolve("at-" + batch))) {
                PersistedState onDisk = copy.wal().load(G1);
                List<Entry> expected = handedIn.load(G1).entries();
                assertThat(onDisk.entries())
                        .as("entries on disk when batch %d was reported durable", batch)
                        .startsWith(expected.toArray(Entry[]::new));
                assertThat(onDisk.hardState().commitIndex())
                        .as("commit index on disk when batch %d was reported durable", batch)
                        .isGreaterThanOrEqualTo(batch + 1);
            }
        }
    }

    @Test
    void batchesHandedInBeforeCloseAreDurableAndReportedWhenCloseReturns(@TempDir Path directory)
            throws IOException {
        GroupScript g1 = new GroupScript(G1);
        GroupScript g2 = new GroupScript(G2);
        try (WalFixture fixture = new WalFixture(directory)) {
            List<CompletableFuture<Void>> reports = new ArrayList<>();
            for (int batch = 0; batch < 50; batch++) {
                reports.add(fixture.persist(List.of(g1.append(1, batch), g2.append(2, 3))));
            }

            fixture.assertReopenRecoversOracle("after close with 50 batches queued");
            assertThat(reports).allMatch(CompletableFuture::isDone);
        }
    }

    @Test
    void threeHundredGroupsAllRecover(@TempDir Path directory) throws IOException {
        TreeMap<GroupId, GroupScript> scripts = new TreeMap<>();
        for (int id = 1; id <= 300; id++) {
            scripts.put(GroupId.of(id), new GroupScript(GroupId.of(id)));
        }
        try (WalFixture fixture = new WalFixture(directory)) {
            List<GroupWrite> first = new ArrayList<>();
            List<GroupWrite> second = new ArrayList<>();
            for (GroupScript script : scripts.values()) {
                first.add(script.append(3, script.group().value() % 17));
                int id = script.group().value();
                second.add(id % 7 == 0 ? script.snapshotThenAppend(1, 4) : script.append(1, 2));
            }
            fixture.persist(first);
            fixture.persistDurably(second.toArray(GroupWrite[]::new));

            fixture.assertReopenRecoversOracle("300 groups");
        }
    }

    @Test
    void removedGroupDoesNotComeBackAndARecreatedOneHoldsOnlyItsNewWrites(@TempDir Path directory)
            throws IOException {
        GroupScript g1 = new GroupScript(G1);
        GroupScript g2 = new GroupScript(G2);
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(g1.append(3, 5), g2.append(2, 5));
            fixture.persistDurably(g1.localSnapshot(2), new GroupScript(G3).append(1, 1));
            fixture.remove(G1);
            fixture.persistDurably(g2.append(1, 1));
            fixture.assertReopenRecoversOracle("after removing g1");

            GroupScript reborn = new GroupScript(G1);
            fixture.persistDurably(reborn.append(2, 8));
            fixture.remove(G3);
            fixture.assertReopenRecoversOracle("after recreating g1 and removing g3");
        }
    }

    /** The removal's file deletion must not take the snapshot the new incarnation just wrote. */
    @Test
    void groupRemovedAndRecreatedInOneRoundKeepsItsNewSnapshot(@TempDir Path directory)
            throws IOException, InterruptedException {
        GroupScript old = new GroupScript(G1);
        GroupScript reborn = new GroupScript(G1);
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(old.append(4, 5));
            fixture.persistDurably(old.localSnapshot(3));

            CountDownLatch release = fixture.holdWriterThread();
            fixture.remove(G1);
            fixture.persist(List.of(reborn.append(3, 6)));
            CompletableFuture<Void> last = fixture.persist(List.of(reborn.localSnapshot(3)));
            release.countDown();
            await(last);

            fixture.assertReopenRecoversOracle("g1 removed and recreated in one round");
        }
    }

    /**
     * {@code StoredLog} ignores a local snapshot at or below the stored one (a slow state machine
     * image arriving late); the WAL must store the same thing, and keep the newer snapshot's file.
     */
    @Test
    void olderLocalSnapshotIsIgnoredAsStoredLogIgnoresIt(@TempDir Path directory)
            throws IOException {
        GroupScript g1 = new GroupScript(G1);
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(g1.append(6, 4));
            fixture.persistDurably(g1.localSnapshot(5));
            GroupWrite older =
                    g1.write(
                            Optional.empty(),
                            Optional.of(GroupScript.snapshot(G1, 3, 1)),
                            false,
                            List.of());
            fixture.persistDurably(older);

            assertThat(fixture.oracle().load(G1).snapshot().orElseThrow().index()).isEqualTo(5);
            fixture.assertReopenRecoversOracle("after an older local snapshot");
        }
    }

    /**
     * Recovery refuses records longer than {@code recordBytesMax}; a record that long must then
     * never be reported durable (refused, or split), or it is cut off as a torn tail on restart.
     */
    @Test
    void recordOverTheRecoveryLimitIsNeverReportedDurableAndThenLost(@TempDir Path directory)
            throws IOException {
        GroupScript g1 = new GroupScript(G1);
        WriteAheadLog.Options options = new WriteAheadLog.Options(64L << 20, 1024, 4);
        try (WalFixture fixture = new WalFixture(directory, options)) {
            fixture.persistDurably(g1.append(1, 10));
            CompletableFuture<Void> durable = fixture.persist(List.of(g1.append(1, 2000)));
            await(CompletableFuture.anyOf(durable, fixture.fatal()));

            if (durable.isDone()) {
                fixture.assertReopenRecoversOracle("a 2 KB record reported durable");
            } else {
                assertThat(fixture.fatal()).isDone();
            }
        }
    }

    @Test
    void groupNeverWrittenLoadsAsEmpty(@TempDir Path directory) throws IOException {
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(new GroupScript(G1).append(1, 1));
            fixture.reopen();

            assertSameState(fixture.wal().load(G2), PersistedState.EMPTY, "unknown group");
            assertThat(fixture.wal().groups()).containsExactly(G1);
        }
    }

    private static void copyOnDurable(WalFixture fixture, Path to) {
        try {
            WalFiles.copy(fixture.dataDirectory(), to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
