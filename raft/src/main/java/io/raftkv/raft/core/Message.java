package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.List;

/**
 * The messages replicas of one group exchange. A closed set of records (DESIGN.md rule 4): a new
 * message type does not compile until every {@code switch} over it handles it.
 *
 * <p>Every message names its sender, its receiver and the sender's term.
 */
public sealed interface Message {
    NodeId from();

    NodeId to();

    long term();

    /** True for the messages a leader or candidate starts; false for replies. */
    boolean isRequest();

    /** Bytes counted per message, besides the entries or snapshot data it carries. */
    int OVERHEAD_BYTES = 64;

    /**
     * The size this message counts for in buffer and frame bounds: {@link #OVERHEAD_BYTES} plus its
     * entries ({@link Entry#sizeBytes()}) or its snapshot chunk.
     */
    default long sizeBytes() {
        long carried =
                switch (this) {
                    case AppendEntries append ->
                            append.entries().stream().mapToLong(Entry::sizeBytes).sum();
                    case InstallSnapshot install -> install.chunk().length;
                    case RequestVote vote -> 0;
                    case RequestVoteResponse answer -> 0;
                    case AppendEntriesResponse answer -> 0;
                    case Heartbeat beat -> 0;
                    case HeartbeatResponse answer -> 0;
                    case InstallSnapshotResponse answer -> 0;
                    case TimeoutNow timeout -> 0;
                };
        return OVERHEAD_BYTES + carried;
    }

    /**
     * Rejects negative terms, indexes and offsets. Messages come from the wire, where their
     * constructors are the one place remote input is checked.
     */
    private static void checkNotNegative(long... values) {
        for (long value : values) {
            Check.argument(value >= 0, "negative term, index or offset in a message: %d", value);
        }
    }

    private static void checkAddressed(NodeId from, NodeId to) {
        Check.argument(from != null && to != null, "a message needs a sender and a receiver");
    }

    /**
     * Asks for a vote (Raft section 5.2). With {@code preVote} it only asks whether the receiver
     * would vote, at {@code term} = the sender's term + 1, without changing anyone's state.
     *
     * @param leadershipTransfer the sender campaigns because the leader asked it to (TimeoutNow),
     *     so receivers must not ignore it for having heard from that leader recently
     */
    record RequestVote(
            NodeId from,
            NodeId to,
            long term,
            long lastLogIndex,
            long lastLogTerm,
            boolean preVote,
            boolean leadershipTransfer)
            implements Message {
        public RequestVote {
            checkAddressed(from, to);
            checkNotNegative(term, lastLogIndex, lastLogTerm);
        }

        @Override
        public boolean isRequest() {
            return true;
        }
    }

    /** The answer to a {@link RequestVote}; {@code preVote} echoes the request's. */
    record RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote)
            implements Message {
        public RequestVoteResponse {
            checkAddressed(from, to);
            checkNotNegative(term);
        }

        @Override
        public boolean isRequest() {
            return false;
        }
    }

    /** Replicates entries after {@code prevLogIndex} (Raft section 5.3). */
    record AppendEntries(
            NodeId from,
            NodeId to,
            long term,
            long prevLogIndex,
            long prevLogTerm,
            List<Entry> entries,
            long leaderCommit)
            implements Message {
        public AppendEntries {
            checkAddressed(from, to);
            checkNotNegative(term, prevLogIndex, prevLogTerm, leaderCommit);
            entries = List.copyOf(entries);
            for (int i = 0; i < entries.size(); i++) {
                Check.argument(
                        entries.get(i).index() == prevLogIndex + 1 + i,
                        "entries must follow prevLogIndex %d contiguously",
                        prevLogIndex);
            }
        }

        @Override
        public boolean isRequest() {
            return true;
        }
    }

    /**
     * The answer to an {@link AppendEntries}. On success {@code matchIndex} is the last index the
     * follower now holds in agreement with the leader. On rejection, {@code rejectedIndex} echoes
     * the request's prevLogIndex and the conflict fields let the leader skip a whole term at a time
     * (thesis section 5.3's optimization): {@code conflictTerm} is the follower's term at
     * rejectedIndex (0 if its log is shorter) and {@code conflictIndex} the first index the
     * follower holds of that term (or its last index + 1).
     */
    record AppendEntriesResponse(
            NodeId from,
            NodeId to,
            long term,
            boolean success,
            long matchIndex,
            long rejectedIndex,
            long conflictTerm,
            long conflictIndex)
            implements Message {
        public AppendEntriesResponse {
            checkAddressed(from, to);
            checkNotNegative(term, matchIndex, rejectedIndex, conflictTerm, conflictIndex);
        }

        @Override
        public boolean isRequest() {
            return false;
        }
    }

    /**
     * Keeps followers from campaigning and carries the commit index up to what each follower is
     * known to hold. {@code readContext} is non-zero when the heartbeat also confirms leadership
     * for pending linearizable reads. With {@code quiesce} the leader says the group is idle and
     * fully replicated: the follower stops ticking until a message arrives or its host wakes it.
     */
    record Heartbeat(
            NodeId from, NodeId to, long term, long commitIndex, long readContext, boolean quiesce)
            implements Message {
        public Heartbeat {
            checkAddressed(from, to);
            checkNotNegative(term, commitIndex, readContext);
        }

        @Override
        public boolean isRequest() {
            return true;
        }
    }

    /** Echoes the heartbeat's read context. */
    record HeartbeatResponse(NodeId from, NodeId to, long term, long readContext)
            implements Message {
        public HeartbeatResponse {
            checkAddressed(from, to);
            checkNotNegative(term, readContext);
        }

        @Override
        public boolean isRequest() {
            return false;
        }
    }

    /**
     * One chunk of a snapshot (Raft section 7), sent one at a time. {@code offset} is where {@code
     * chunk} starts in the snapshot data; {@code last} marks the final chunk.
     */
    record InstallSnapshot(
            NodeId from,
            NodeId to,
            long term,
            SnapshotMeta meta,
            long offset,
            byte[] chunk,
            boolean last)
            implements Message {
        public InstallSnapshot {
            checkAddressed(from, to);
            checkNotNegative(term, offset);
            Check.argument(meta != null && chunk != null, "a snapshot chunk needs meta and data");
        }

        @Override
        public boolean isRequest() {
            return true;
        }

        @Override
        public String toString() {
            return "InstallSnapshot[%s->%s t%d %s offset=%d %dB last=%s]"
                    .formatted(from, to, term, meta, offset, chunk.length, last);
        }
    }

    /**
     * The answer to an {@link InstallSnapshot} chunk. {@code nextOffset} is the offset the follower
     * expects next. When {@code done}, the follower holds the log up to {@code matchIndex}.
     */
    record InstallSnapshotResponse(
            NodeId from,
            NodeId to,
            long term,
            long snapshotIndex,
            long nextOffset,
            boolean done,
            long matchIndex)
            implements Message {
        public InstallSnapshotResponse {
            checkAddressed(from, to);
            checkNotNegative(term, snapshotIndex, nextOffset, matchIndex);
        }

        @Override
        public boolean isRequest() {
            return false;
        }
    }

    /** A leader hands over leadership: the receiver campaigns at once (thesis section 3.10). */
    record TimeoutNow(NodeId from, NodeId to, long term) implements Message {
        public TimeoutNow {
            checkAddressed(from, to);
            checkNotNegative(term);
        }

        @Override
        public boolean isRequest() {
            return true;
        }
    }
}
