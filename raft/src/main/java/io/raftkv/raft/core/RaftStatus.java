package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import java.util.Optional;

/**
 * A read-only view of a replica for hosts, status pages and tests.
 *
 * @param membership the membership in force on this replica (see {@link RaftReplica})
 * @param membershipIndex the index of the log entry that made {@code membership} (the snapshot's
 *     index if no entry in the log did): the membership is final once the commit index reaches it
 */
public record RaftStatus(
        NodeId id,
        Role role,
        long term,
        Optional<NodeId> leader,
        long commitIndex,
        long appliedIndex,
        long lastIndex,
        long snapshotIndex,
        Membership membership,
        long membershipIndex) {}
