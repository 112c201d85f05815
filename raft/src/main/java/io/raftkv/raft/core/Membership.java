package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.List;
import java.util.TreeSet;

/**
 * The voters of one group, sorted by node id so iteration order never depends on how the set was
 * built.
 */
public record Membership(List<NodeId> voters) {
    public Membership {
        Check.argument(voters != null && !voters.isEmpty(), "a group needs at least one voter");
        TreeSet<NodeId> sorted = new TreeSet<>(voters);
        Check.argument(sorted.size() == voters.size(), "duplicate voter in %s", voters);
        voters = List.copyOf(sorted);
    }

    public static Membership of(NodeId... voters) {
        return new Membership(List.of(voters));
    }

    /** The number of votes or acknowledgements that make a majority. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    public boolean contains(NodeId node) {
        return voters.contains(node);
    }
}
