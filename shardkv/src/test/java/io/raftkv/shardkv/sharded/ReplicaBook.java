package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every simulated node's driver shares about replicas: those deleted after their group removed
 * them (never hosted again, DESIGN.md rule 7), and the claims the controller granted to each node's
 * current disk.
 */
final class ReplicaBook {
    private final Set<String> deleted = new TreeSet<>();
    private final Set<String> claimed = new TreeSet<>();

    boolean isDeleted(GroupId group, NodeId node) {
        return deleted.contains(name(group, node));
    }

    void deleted(GroupId group, NodeId node) {
        deleted.add(name(group, node));
    }

    boolean isClaimed(GroupId group, NodeId node) {
        return claimed.contains(name(group, node));
    }

    void claimed(GroupId group, NodeId node) {
        claimed.add(name(group, node));
    }

    /** {@code node}'s disk died: the claims its old disk held are not its new disk's. */
    void diskLost(NodeId node) {
        claimed.removeIf(name -> name.endsWith("@" + node));
    }

    private static String name(GroupId group, NodeId node) {
        return group + "@" + node;
    }
}
