package io.raftkv.it;

import io.raftkv.common.GroupId;
import io.raftkv.raft.node.ClientReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop writer threads, each proposing its own unique values to every group in turn and
 * recording which were attempted and which were acknowledged ({@code Applied}). A value with any
 * other outcome ({@code Unknown}, no reply, not the leader) may or may not be in its group's set.
 */
final class Writers implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    /** Values each group was sent, and those acknowledged. Read after {@link #stop}. */
    record Ledger(
            Map<GroupId, NavigableSet<Long>> attempted,
            Map<GroupId, NavigableSet<Long>> acknowledged) {}

    /** Far above any writer's sequence, so that writers never collide. */
    private static final long VALUES_PER_WRITER = 1_000_000_000L;

    private final ClusterClient client;
    private final List<GroupId> groups;
    private final TreeMap<GroupId, ConcurrentSkipListSet<Long>> attempted = new TreeMap<>();
    private final TreeMap<GroupId, ConcurrentSkipListSet<Long>> acknowledged = new TreeMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;
    private volatile Throwable failure;

    private Writers(ClusterClient client, List<GroupId> groups) {
        this.client = client;
        this.groups = List.copyOf(groups);
        for (GroupId group : groups) {
            attempted.put(group, new ConcurrentSkipListSet<>());
            acknowledged.put(group, new ConcurrentSkipListSet<>());
        }
    }

    /** Starts {@code writerCount} writers over {@code groups}. */
    static Writers start(ClusterClient client, List<GroupId> groups, int writerCount) {
        Writers writers = new Writers(client, groups);
        for (int writer = 1; writer <= writerCount; writer++) {
            int id = writer;
            writers.threads.add(
                    Thread.ofPlatform()
                            .name("writer-" + id)
                            .daemon(true)
                            .start(() -> writers.runCatching(id)));
        }
        return writers;
    }

    private void runCatching(int writer) {
        try {
            run(writer);
        } catch (Throwable e) {
            failure = e;
            throw e;
        }
    }

    private void run(int writer) {
        long sequence = 0;
        while (!stopped) {
            GroupId group = groups.get((int) ((writer + sequence) % groups.size()));
            long value = writer * VALUES_PER_WRITER + sequence++;
            attempted.get(group).add(value);
            if (client.proposeOnce(group, value).orElse(null) instanceof ClientReply.Applied) {
                acknowledged.get(group).add(value);
            }
        }
    }

    /**
     * Waits until every group has {@code count} more acknowledged values than when called: the
     * cluster commits in every group.
     */
    void awaitProgress(int count, String phase) {
        TreeMap<GroupId, Integer> targets = new TreeMap<>();
        acknowledged.forEach((group, values) -> targets.put(group, values.size() + count));
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (failure == null && !reached(targets)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "waited %s for %d more acknowledged writes per group (%s): %s, wanted %s"
                                .formatted(PATIENCE, count, phase, counts(), targets));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        checkNoWriterFailed();
    }

    private boolean reached(TreeMap<GroupId, Integer> targets) {
        return targets.entrySet().stream()
                .allMatch(target -> acknowledged.get(target.getKey()).size() >= target.getValue());
    }

    private void checkNoWriterFailed() {
        if (failure != null) {
            throw new AssertionError("a writer failed", failure);
        }
    }

    private TreeMap<GroupId, Integer> counts() {
        TreeMap<GroupId, Integer> counts = new TreeMap<>();
        acknowledged.forEach((group, values) -> counts.put(group, values.size()));
        return counts;
    }

    /** Stops every writer, waits for their last requests, and returns what they did. */
    Ledger stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (Thread thread : threads) {
            long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (!thread.join(Duration.ofMillis(remainingMillis))) {
                throw new AssertionError(thread.getName() + " did not stop within " + PATIENCE);
            }
        }
        checkNoWriterFailed();
        return new Ledger(copy(attempted), copy(acknowledged));
    }

    private static Map<GroupId, NavigableSet<Long>> copy(
            TreeMap<GroupId, ConcurrentSkipListSet<Long>> values) {
        TreeMap<GroupId, NavigableSet<Long>> copy = new TreeMap<>();
        values.forEach((group, set) -> copy.put(group, new TreeSet<>(set)));
        return copy;
    }

    /** Stops the writers if the test did not. */
    @Override
    public void close() throws InterruptedException {
        if (!stopped) {
            stop();
        }
    }
}
