package io.raftkv.raft.core;

/** The immediate answer to {@link RaftReplica#readIndex}. */
public sealed interface ReadResult permits ReadResult.Queued, Rejection {
    /** The read waits for a {@link ReadState} with its request id. */
    record Queued(long requestId) implements ReadResult {}
}
