package io.raftkv.raft.core;

/** The immediate answer to {@link RaftReplica#propose}. */
public sealed interface ProposeResult permits ProposeResult.Accepted, Rejection {
    /**
     * The command was appended at {@code index} in {@code term}. It is applied at that index only
     * if the entry found there at apply time still has this term.
     */
    record Accepted(long index, long term) implements ProposeResult {}
}
