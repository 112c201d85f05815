package io.raftkv.shardctrler.command;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;

/** What a command or query produced. Errors are values, never exceptions. */
public sealed interface ControllerResult {
    /** The command made config {@code configNumber}. */
    record Done(long configNumber) implements ControllerResult {}

    /** A query's answer. */
    record Config(ShardConfig config) implements ControllerResult {}

    /**
     * A {@link ControllerCommand.Claim} was granted: the node hosts its replica of the group.
     *
     * @param founding whether the node is one of {@code founders}, so it may start the group's log
     *     with them as the first voters; any other replica joins an existing group as a learner
     * @param founders the group's members in the config where it first joined, by node id
     */
    record Claimed(boolean founding, List<NodeId> founders) implements ControllerResult {
        public Claimed {
            Check.argument(
                    founders != null && !founders.isEmpty(), "a group has at least one founder");
            founders = List.copyOf(founders);
        }
    }

    /** The command was refused and changed nothing. */
    record Rejected(Reason reason, String message) implements ControllerResult {}

    /**
     * Why a command was refused. NB: {@link ControllerCodec} encodes a reason by its ordinal, and
     * results are kept in snapshots and sent to clients: add new reasons at the end only.
     */
    enum Reason {
        GROUP_EXISTS,
        UNKNOWN_GROUP,
        SHARD_OUT_OF_RANGE,
        /** The client already sent a later command: this one is a stale retry. */
        STALE_SEQUENCE,
        MALFORMED,
        /**
         * A group id that was in an earlier config comes back with another set of members (their
         * order does not matter): its old replicas may still hold shards, so a returning group
         * keeps its members.
         */
        MEMBERS_CHANGED,
        /** The connection may not run admin operations: with TLS on, it needs a certificate. */
        FORBIDDEN,
        /** A joining group lists one node id, or one address, more than once. */
        DUPLICATE_MEMBER,
        /**
         * A joining node id has another address in another group (of the join or of the latest
         * config), or a joining address belongs to another node id there: one node, one address.
         */
        ADDRESS_CONFLICT,
        /** The node is not among the group's members. */
        NOT_A_MEMBER,
        /**
         * Another data directory (incarnation) already claimed this replica: a node that lost its
         * data is a new node and needs a new id.
         */
        CLAIMED_ELSEWHERE,
        /** The node is already a member of the group. */
        MEMBER_EXISTS,
        /** The node served the group before and was removed: a replica id is never reused. */
        RETIRED,
        /** Removing the node would leave the group without members: the group leaves instead. */
        LAST_MEMBER,
        /** A drain found no node to take one of the drained node's replicas. */
        NO_TARGET,
        /**
         * The group already has {@link ControllerCommand#MEMBERS_MAX} members, or an unsafe
         * recovery would fence more than {@link io.raftkv.shardctrler.config.Recovery#FENCED_MAX}
         * nodes.
         */
        TOO_MANY_MEMBERS
    }
}
