package io.raftkv.raft.core;

/**
 * Deliberate Raft bugs that only tests plant, through {@link io.raftkv.common.PlantedBugs}, to show
 * that the swarms notice each one (mutation runs, issue 15). Each is one wrong behaviour at one
 * place, which asks {@code PlantedBugs.planted(...)}; with nothing planted the code is correct.
 * {@code RaftMutationTest} runs the Raft swarm with each constant planted, so a new one is covered
 * as soon as it is added.
 */
public enum RaftBug {
    /** A leader serves a read at once, at its commit index, without a ReadIndex round. */
    READ_WITHOUT_READ_INDEX,

    /**
     * A leader counts its own entries toward the commit index before they are durable. NB: an
     * equivalent mutant under {@code GroupHost}, which steps no acknowledgement while a batch is
     * being written, so a follower's acknowledgement is never counted before the leader's own copy
     * is durable; {@code RaftMutationTest} shows the runs unchanged instead of a failure.
     */
    COUNT_UNSYNCED_SELF,

    /** A host sends a granted vote before the vote is durable. */
    VOTE_WITHOUT_PERSIST,

    /**
     * A follower takes a (late, reordered) AppendEntries' entries as the whole rest of its log: it
     * drops every entry after them, even ones it acknowledged and the leader may have committed
     * (the 6.824 classic). Entries at or below the follower's own commit index stay, since the
     * follower skips those before it appends.
     */
    TRUNCATE_COMMITTED,

    /** A replica removed from its group's membership still campaigns, counting its own vote. */
    REMOVED_REPLICA_VOTES
}
