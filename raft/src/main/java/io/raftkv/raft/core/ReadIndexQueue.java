package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A leader's linearizable reads waiting for leadership to be confirmed (Raft thesis section 6.4).
 *
 * <p>Reads that arrive between two Readys share one heartbeat round: they are sent as one batch
 * with a fresh context and the commit index of that moment as their read index. A follower's answer
 * to context c confirms every batch with a context up to c, because it answers a heartbeat sent
 * after all of them were created. Batches are released in context order.
 */
final class ReadIndexQueue {
    private record Batch(
            long context, long readIndex, List<Long> requestIds, TreeSet<NodeId> acks) {}

    private final List<Long> unsent = new ArrayList<>();
    private final ArrayDeque<Batch> sent = new ArrayDeque<>();
    private int pendingCount;
    private long lastContext;

    int pendingCount() {
        return pendingCount;
    }

    void add(long requestId) {
        unsent.add(requestId);
        pendingCount++;
    }

    /** Forgets every pending read: leadership was lost, so none can be confirmed. */
    void clear() {
        unsent.clear();
        sent.clear();
        pendingCount = 0;
    }

    boolean hasUnsent() {
        return !unsent.isEmpty();
    }

    /**
     * Turns the unsent reads into a batch at {@code readIndex}, acknowledged by the leader itself.
     * Returns the context to send in the confirming heartbeats.
     */
    long sendBatch(long readIndex, NodeId self) {
        Check.that(!unsent.isEmpty(), "sending an empty read batch");
        TreeSet<NodeId> acks = new TreeSet<>();
        acks.add(self);
        lastContext++;
        sent.addLast(new Batch(lastContext, readIndex, List.copyOf(unsent), acks));
        unsent.clear();
        return lastContext;
    }

    /** Releases the unsent reads at once: a single-voter group needs no confirmation. */
    List<ReadState> releaseUnsent(long readIndex) {
        List<ReadState> released = new ArrayList<>();
        for (long requestId : unsent) {
            released.add(new ReadState(requestId, readIndex));
        }
        pendingCount -= unsent.size();
        unsent.clear();
        return released;
    }

    /**
     * Records that {@code from} answered a heartbeat with {@code context}; returns the reads now
     * confirmed by {@code quorum} voters, in order.
     */
    List<ReadState> acknowledge(NodeId from, long context, int quorum) {
        if (context == 0) {
            return List.of();
        }
        for (Batch batch : sent) {
            if (batch.context() > context) {
                break;
            }
            batch.acks().add(from);
        }
        List<ReadState> released = new ArrayList<>();
        while (!sent.isEmpty() && sent.getFirst().acks().size() >= quorum) {
            Batch batch = sent.removeFirst();
            for (long requestId : batch.requestIds()) {
                released.add(new ReadState(requestId, batch.readIndex()));
            }
            pendingCount -= batch.requestIds().size();
        }
        return released;
    }
}
