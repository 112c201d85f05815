package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.HashSet;
import java.util.Set;

/**
 * What every simulated node's driver shares about replicas: those deleted after their group removed
 * them (never hosted again, DESIGN.md rule 7), and the claims the controller granted to each node's
 * current disk.
 */
final class ReplicaBook {
    private record Replica(GroupId group, NodeId node) {}

    private final Set<Replica> deleted = new HashSet<>();
    private final Set<Replica> claimed = new HashSet<>();

    boolean isDeleted(GroupId group, NodeId node) {
        return deleted.contains(new Replica(group, node));
    }

    void deleted(GroupId group, NodeId node) {
        deleted.add(new Replica(group, node));
    }

    boolean isClaimed(GroupId group, NodeId node) {
        return claimed.contains(new Replica(group, node));
    }

    void claimed(GroupId group, NodeId node) {
        claimed.add(new Replica(group, node));
    }

    /** {@code node}'s disk died: the claims its old disk held are not its new disk's. */
    void diskLost(NodeId node) {
        claimed.removeIf(replica -> replica.node().equals(node));
    }
}
