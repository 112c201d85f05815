package io.raftkv.shardctrler.command;

import io.raftkv.shardctrler.config.ShardConfig;

/** What a command or query produced. Errors are values, never exceptions. */
public sealed interface ControllerResult {
    /** The command made config {@code configNumber}. */
    record Done(long configNumber) implements ControllerResult {}

    /** A query's answer. */
    record Config(ShardConfig config) implements ControllerResult {}

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
        ADDRESS_CONFLICT
    }
}
