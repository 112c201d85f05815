package io.raftkv.raft.storage;

import static io.raftkv.raft.storage.WalFixture.await;
import static io.raftkv.raft.storage.WalFixture.oracleOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.raft.host.GroupWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that fails is fatal (fsyncgate): {@code onFatal} hears of it, the batch is never reported
 * durable, the log takes no more batches, and a restart finds the state from before the batch.
 *
 * <p>The failures are real ones from the file system, provoked by putting a directory where the WAL
 * creates a file (the tests run as root in CI containers, so permissions cannot be used). A failing
 * {@code write} or {@code force} on the open segment itself cannot be provoked this way.
 */
class WalWriteFailureTest {
    private static final GroupId G1 = GroupId.of(1);
    private static final GroupId G2 = GroupId.of(2);

    private final GroupScript g1 = new GroupScript(G1);
    private final GroupScript g2 = new GroupScript(G2);

    @Test
    void failureToStartTheNextSegmentIsFatalAndTheBatchIsNeverReported(@TempDir Path directory)
            throws IOException {
        WriteAheadLog.Options tiny = new WriteAheadLog.Options(256, 1 << 20, 4);
        List<GroupWrite> durable = List.of(g1.append(3, 100)); // fills the first segment
        try (WalFixture fixture = new WalFixture(directory, tiny)) {
            fixture.persistDurably(durable.toArray(GroupWrite[]::new));
            Files.createDirectory(directory.resolve("wal").resolve("%020d.wal".formatted(2)));

            CompletableFuture<Void> failed = fixture.persist(List.of(g1.append(1, 1)));

            assertThat(await(fixture.fatal())).isInstanceOf(IOException.class);
            assertFatalAfterwards(fixture, failed);
        }
        Files.delete(directory.resolve("wal").resolve("%020d.wal".formatted(2)));
        try (WalFixture restarted = new WalFixture(directory, tiny, oracleOf(List.of(durable)))) {
            restarted.assertRecoversOracle("restart after the failed batch");
        }
    }

    @Test
    void failureToWriteASnapshotFileIsFatalAndTheBatchIsNeverReported(@TempDir Path directory)
            throws IOException {
        List<GroupWrite> durable = List.of(g1.append(4, 8), g2.append(2, 8));
        Path obstacle = directory.resolve("snapshots").resolve("g1-3-1.snap.tmp");
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.persistDurably(durable.toArray(GroupWrite[]::new));
            Files.createDirectory(obstacle);

            CompletableFuture<Void> failed =
                    fixture.persist(List.of(g1.localSnapshot(3), g2.append(1, 1)));

            assertThat(await(fixture.fatal())).isInstanceOf(IOException.class);
            assertFatalAfterwards(fixture, failed);
        }
        Files.delete(obstacle);
        try (WalFixture restarted =
                new WalFixture(
                        directory, WriteAheadLog.Options.defaults(), oracleOf(List.of(durable)))) {
            restarted.assertRecoversOracle("restart after the failed batch");
        }
    }

    /**
     * A removal and a batch fail together: the removal never became durable, so after the restart
     * the group is still in the log, and its snapshot file must still be there to load.
     */
    @Test
    void removalThatNeverBecameDurableLeavesTheGroupLoadable(@TempDir Path directory)
            throws IOException, InterruptedException {
        List<List<GroupWrite>> durable =
                List.of(
                        List.of(g1.append(4, 8), g2.append(2, 8)),
                        List.of(g1.localSnapshot(3)),
                        List.of(g2.append(1, 1)));
        Path obstacle = directory.resolve("snapshots").resolve("g2-3-1.snap.tmp");
        try (WalFixture fixture = new WalFixture(directory)) {
            for (List<GroupWrite> batch : durable) {
                fixture.persistDurably(batch.toArray(GroupWrite[]::new));
            }
            CountDownLatch release = fixture.holdWriterThread();
            Files.createDirectory(obstacle);
            fixture.wal().remove(G1);
            fixture.wal().persist(List.of(g2.localSnapshot(3)), () -> {});
            release.countDown();

            assertThat(await(fixture.fatal())).isInstanceOf(IOException.class);
        }
        Files.delete(obstacle);
        try (WalFixture restarted =
                new WalFixture(directory, WriteAheadLog.Options.defaults(), oracleOf(durable))) {
            restarted.assertRecoversOracle("restart after the removal failed");
        }
    }

    /**
     * An {@code Error} on the writer thread (here thrown by a durability callback, as an {@code
     * OutOfMemoryError} could be) is fatal too: without it the writer thread would die silently and
     * the host would wait forever for its batch.
     */
    @Test
    void errorOnTheWriterThreadIsFatal(@TempDir Path directory) throws IOException {
        try (WalFixture fixture = new WalFixture(directory)) {
            fixture.wal()
                    .persist(
                            List.of(g1.append(1, 8)),
                            () -> {
                                throw new StackOverflowError("planted");
                            });

            assertThat(await(fixture.fatal()))
                    .isInstanceOf(StackOverflowError.class)
                    .hasMessage("planted");
            assertThatThrownBy(() -> fixture.wal().persist(List.of(), () -> {}))
                    .as("a batch handed in after the failure")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    private static void assertFatalAfterwards(WalFixture fixture, CompletableFuture<Void> failed) {
        assertThat(failed).as("the failed batch's callback").isNotDone();
        assertThatThrownBy(() -> fixture.wal().persist(List.of(), () -> {}))
                .as("a batch handed in after the failure")
                .isInstanceOf(IllegalStateException.class);
    }
}
