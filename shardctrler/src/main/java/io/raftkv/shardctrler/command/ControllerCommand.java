package io.raftkv.shardctrler.command;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A change to the shard config. Every command carries its client's id and a sequence number that
 * increases per client, so a retried command is applied once.
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
}
