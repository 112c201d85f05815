package io.raftkv.shardctrler.command;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A change to the shard config, or a node's claim on a replica. Every command carries its client's
 * id and a sequence number that increases per client, so a retried command is applied once.
 *
 * <p>Replica commands (Raft thesis 4.1, DESIGN.md rule 7): a group's members change one config at a
 * time without moving shards; a (group, node) pair removed from a group is retired for good, so a
 * replica id is never reused.
 */
public sealed interface ControllerCommand {
    /** The most groups one Join adds and one Leave removes. */
    int GROUPS_PER_COMMAND_MAX = 1_000;

    /** The most members a group has. */
    int MEMBERS_MAX = 15;

    long clientId();

    long sequence();

    /** Adds groups with their members, then rebalances. */
    record Join(long clientId, long sequence, SortedMap<GroupId, List<Member>> groups)
            implements ControllerCommand {
        public Join {
            Check.argument(
                    !groups.isEmpty() && groups.size() <= GROUPS_PER_COMMAND_MAX,
                    "a join names 1 to %d groups",
                    GROUPS_PER_COMMAND_MAX);
            TreeMap<GroupId, List<Member>> copy = new TreeMap<>();
            groups.forEach(
                    (group, members) -> {
                        Check.argument(
                                !group.equals(ShardConfig.UNASSIGNED), "group 0 is the controller");
                        Check.argument(
                                !members.isEmpty() && members.size() <= MEMBERS_MAX,
                                "%s needs 1 to %d members",
                                group,
                                MEMBERS_MAX);
                        copy.put(group, List.copyOf(members));
                    });
            groups = copy;
        }
    }

    /** Removes groups, then rebalances their shards onto the others. */
    record Leave(long clientId, long sequence, List<GroupId> groups) implements ControllerCommand {
        public Leave {
            Check.argument(
                    !groups.isEmpty() && groups.size() <= GROUPS_PER_COMMAND_MAX,
                    "a leave names 1 to %d groups",
                    GROUPS_PER_COMMAND_MAX);
            groups = List.copyOf(groups);
        }
    }

    /** Gives one shard to one group; rebalancing leaves it there until the next Join or Leave. */
    record Move(long clientId, long sequence, int shard, GroupId group)
            implements ControllerCommand {
        public Move {
            Check.argument(group != null, "a move names a group");
        }
    }

    /**
     * A node whose data directory has incarnation {@code incarnation} asks to host its replica of
     * {@code group}. Only the cluster's nodes may send it. Answered with {@link
     * ControllerResult.Claimed} (the group's founders, and whether the node is one of them); the
     * first incarnation to claim a replica keeps it until the replica is removed. Makes no config.
     */
    record Claim(long clientId, long sequence, GroupId group, NodeId node, long incarnation)
            implements ControllerCommand {
        public Claim {
            Check.argument(group != null && node != null, "a claim names a group and a node");
        }
    }

    /**
     * Adds {@code member} to {@code group}'s members in a new config; shards stay where they are.
     */
    record AddReplica(long clientId, long sequence, GroupId group, Member member)
            implements ControllerCommand {
        public AddReplica {
            checkReplicaGroup(group);
            Check.argument(member != null, "adding a replica names a member");
        }
    }

    /** Removes {@code node} from {@code group}'s members in a new config and retires the pair. */
    record RemoveReplica(long clientId, long sequence, GroupId group, NodeId node)
            implements ControllerCommand {
        public RemoveReplica {
            checkReplicaGroup(group);
            Check.argument(node != null, "removing a replica names a node");
        }
    }

    /**
     * In one new config, removes {@code old} from {@code group} (retiring the pair) and adds {@code
     * replacement}. Done without a new config if that already happened.
     */
    record ReplaceReplica(
            long clientId, long sequence, GroupId group, NodeId old, Member replacement)
            implements ControllerCommand {
        public ReplaceReplica {
            checkReplicaGroup(group);
            Check.argument(
                    old != null && replacement != null,
                    "a replacement names the old node and the new member");
        }
    }

    /**
     * In one new config, moves every replica on {@code node} to another node of the latest config
     * (the one serving the fewest replicas, ties to the lowest id). Done without a new config if
     * {@code node} serves no group.
     */
    record Drain(long clientId, long sequence, NodeId node) implements ControllerCommand {
        public Drain {
            Check.argument(node != null, "a drain names a node");
        }
    }

    /**
     * Unsafe recovery of {@code group}, which lost its quorum for good: in one new config, {@code
     * survivor} becomes the group's only member, every other node that ever served the group is
     * retired and fenced ({@link io.raftkv.shardctrler.config.Recovery}), and shards stay where
     * they are. Done without a new config if the latest config already records this recovery. NB:
     * unsafe: writes the lost quorum acknowledged but {@code survivor} never received are lost.
     */
    record UnsafeRecover(long clientId, long sequence, GroupId group, NodeId survivor)
            implements ControllerCommand {
        public UnsafeRecover {
            checkReplicaGroup(group);
            Check.argument(survivor != null, "an unsafe recovery names the surviving node");
        }
    }

    private static void checkReplicaGroup(GroupId group) {
        Check.argument(group != null, "a replica command names a group");
        Check.argument(!group.equals(ShardConfig.UNASSIGNED), "group 0 is the controller");
    }
}
