package io.raftkv.shardctrler.config;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An unsafe recovery of a replica group that lost its quorum for good (after TiKV's unsafe
 * recovery): the operator kept one surviving replica and gave up on the others. {@code survivor}'s
 * replica was made the group's only voter, whatever the group's Raft log said its voters were; the
 * group's replicas on {@code fenced} nodes must never take part in the group again, so every node
 * drops the group's Raft messages from them (a fenced replica that comes back could otherwise vote
 * with a stale log, or lead). Immutable.
 *
 * @param survivor the node whose replica the group continues from
 * @param fenced every other node that ever served the group, ascending; never {@code survivor}, at
 *     least one and at most {@link #FENCED_MAX}
 */
public record Recovery(NodeId survivor, SortedSet<NodeId> fenced) {
    /**
     * The most nodes one recovery fences. NB: not {@code ControllerCommand.MEMBERS_MAX}: a group
     * fences every node that ever served it, not only its members at one time.
     */
    public static final int FENCED_MAX = 1_000;

    public Recovery {
        Check.argument(survivor != null, "a recovery names its survivor");
        Check.argument(fenced != null, "a recovery names the nodes it fences");
        TreeSet<NodeId> copy = new TreeSet<>(); // natural order, whatever the argument's comparator
        for (NodeId node : fenced) {
            Check.argument(node != null, "a recovery fences a null node");
            copy.add(node);
        }
        Check.argument(
                !copy.isEmpty() && copy.size() <= FENCED_MAX,
                "a recovery fences 1 to %d nodes, not %d",
                FENCED_MAX,
                copy.size());
        Check.argument(!copy.contains(survivor), "the survivor %s cannot be fenced", survivor);
        fenced = Collections.unmodifiableSortedSet(copy);
    }
}
