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

    /** Why a command was refused. */
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
        FORBIDDEN
    }
}
