package io.raftkv.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.MemoryStorage;
import io.raftkv.raft.host.RaftStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A write-ahead log under test and a {@link MemoryStorage} oracle fed the same batches. The WAL's
 * own writer thread reports durability; the fixture turns each report into a future that tests wait
 * on with a timeout.
 */
final class WalFixture implements AutoCloseable {
    static final long TIMEOUT_SECONDS = 10;

    private final Path dataDirectory;
    private final WriteAheadLog.Options options;
    private final MemoryStorage oracle;
    private final CompletableFuture<Throwable> fatal = new CompletableFuture<>();
    private final AtomicLong batchesReported = new AtomicLong();
    private final List<String> outOfOrder = Collections.synchronizedList(new ArrayList<>());
    private long batchesHandedIn;
    private WriteAheadLog wal;

    /**
     * Opens the WAL under {@code dataDirectory}, which should hold what {@code oracle} holds (an
     * empty directory for an empty oracle).
     */
    WalFixture(Path dataDirectory, WriteAheadLog.Options options, MemoryStorage oracle)
            throws IOException {
        this.dataDirectory = dataDirectory;
        this.options = options;
        this.oracle = oracle;
        this.wal = WriteAheadLog.open(dataDirectory, options, fatal::complete);
    }

    WalFixture(Path dataDirectory, WriteAheadLog.Options options) throws IOException {
        this(dataDirectory, options, new MemoryStorage());
    }

    WalFixture(Path dataDirectory) throws IOException {
        this(dataDirectory, WriteAheadLog.Options.defaults());
    }

    WriteAheadLog wal() {
        return wal;
    }

    MemoryStorage oracle() {
        return oracle;
    }

    Path dataDirectory() {
        return dataDirectory;
    }

    /** Completes with what the WAL reported to {@code onFatal}. */
    CompletableFuture<Throwable> fatal() {
        return fatal;
    }

    /**
     * Hands one batch to the WAL and the oracle; completes when the WAL reports it durable. Notes
     * any report that comes out of the order the batches were handed in.
     */
    CompletableFuture<Void> persist(List<GroupWrite> writes) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        long sequence = batchesHandedIn++;
        oracle.persist(writes, () -> {});
        wal.persist(
                writes,
                () -> {
                    long reported = batchesReported.getAndIncrement();
                    if (reported != sequence) {
                        outOfOrder.add("batch %d reported %dth".formatted(sequence, reported));
                    }
                    durable.complete(null);
                });
        return durable;
    }

    /** Hands one batch in and waits until the WAL reports it durable. */
    void persistDurably(GroupWrite... writes) {
        await(persist(List.of(writes)));
    }

    /**
     * Blocks the WAL's writer thread inside a callback until the returned latch is counted down, so
     * that everything handed in meanwhile is written in one round.
     */
    CountDownLatch holdWriterThread() throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        wal.persist(
                List.of(),
                () -> {
                    holding.countDown();
                    try {
                        release.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        assertThat(holding.await(TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .as("writer thread reached the holding callback")
                .isTrue();
        return release;
    }

    void remove(GroupId group) {
        oracle.remove(group);
        wal.remove(group);
    }

    /** Closes the WAL (after the batches handed in) and opens it again from its directory. */
    void reopen() throws IOException {
        wal.close();
        wal = WriteAheadLog.open(dataDirectory, options, fatal::complete);
    }

    /**
     * Reopens, then checks that every batch was reported durable, in order, and that every group
     * recovered exactly what the oracle holds.
     */
    void assertReopenRecoversOracle(String context) throws IOException {
        reopen();
        assertThat(outOfOrder).as("%s: durability reported out of order", context).isEmpty();
        assertThat(batchesReported.get())
                .as("%s: batches reported durable by close", context)
                .isEqualTo(batchesHandedIn);
        assertRecoversOracle(context);
    }

    /** Checks that the freshly opened WAL recovered exactly what the oracle holds. */
    void assertRecoversOracle(String context) {
        assertRecovered(wal, oracle, context);
    }

    @Override
    public void close() throws IOException {
        wal.close();
    }

    /**
     * Checks {@code actual} lists the oracle's groups and loads the same state for each. Loads
     * every group, so call it once per opening of a WAL, before writing.
     */
    static void assertRecovered(RaftStorage actual, MemoryStorage expected, String context) {
        assertThat(actual.groups()).as("%s: groups", context).isEqualTo(expected.groups());
        for (GroupId group : expected.groups()) {
            assertSameState(actual.load(group), expected.load(group), context + " " + group);
        }
    }

    /** Field by field, since a snapshot's data array does not compare by content. */
    static void assertSameState(PersistedState actual, PersistedState expected, String context) {
        assertThat(actual.hardState())
                .as("%s: hard state", context)
                .isEqualTo(expected.hardState());
        assertThat(actual.snapshot().map(Snapshot::meta))
                .as("%s: snapshot meta", context)
                .isEqualTo(expected.snapshot().map(Snapshot::meta));
        assertThat(actual.snapshot().map(Snapshot::data).orElse(null))
                .as("%s: snapshot data", context)
                .isEqualTo(expected.snapshot().map(Snapshot::data).orElse(null));
        assertThat(actual.entries()).as("%s: entries", context).isEqualTo(expected.entries());
    }

    /** A memory storage fed {@code batches} in order. */
    static MemoryStorage oracleOf(List<List<GroupWrite>> batches) {
        MemoryStorage storage = new MemoryStorage();
        for (List<GroupWrite> batch : batches) {
            storage.persist(batch, () -> {});
        }
        return storage;
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer from the WAL within the timeout", e);
        }
    }
}
