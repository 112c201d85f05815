package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import java.util.Optional;

/**
 * A read-only view of a replica for hosts, status pages and tests.
 *
 * @param membership the membership in force on this replica (see {@link RaftReplica})
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
        Membership membership) {}
