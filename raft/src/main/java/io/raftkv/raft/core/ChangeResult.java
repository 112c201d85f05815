package io.raftkv.raft.core;

/** The immediate answer to {@link RaftReplica#proposeMembership}. */
public sealed interface ChangeResult
        permits ProposeResult.Accepted, ChangeResult.Refused, Rejection {
    /**
     * The change was not appended: one is still uncommitted, the leader has not committed an entry
     * of its term yet, or the change does not apply to the current membership. {@code reason} says
     * which, for a person.
     */
    record Refused(String reason) implements ChangeResult {}
}
