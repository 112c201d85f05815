package io.raftkv.raft.host;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

/**
 * A node's durable Raft state for all the groups it hosts.
 *
 * <p>Contract: {@link #persist} takes one batch per host round and calls {@code onDurable} (on any
 * thread) once every write in it is durable: synced, if any write asks for sync. Batches are
 * durable in the order given. A failed write or sync is fatal to the process: it is never retried
 * and never reported as durable (the fsyncgate lesson).
 */
public interface RaftStorage {
    /** The groups that have state stored, in id order. */
    SortedSet<GroupId> groups();

    /** What is stored for {@code group}, or {@link PersistedState#EMPTY}. */
    PersistedState load(GroupId group);

    /**
     * Groups whose old entries keep storage from being reclaimed: the host takes a snapshot of
     * each, so a quiet group cannot pin a shared log forever. Cheap; called every round.
     */
    default Set<GroupId> groupsToSnapshot() {
        return Set.of();
    }

    /** Writes one round's batch; see the interface contract. */
    void persist(List<GroupWrite> writes, Runnable onDurable);

    /**
     * Deletes everything stored for {@code group}: durable no later than any batch handed in after
     * this call.
     */
    void remove(GroupId group);
}
