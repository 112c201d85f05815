package io.raftkv.shardkv.kv;

/**
 * Deliberate bugs in the sharded store, for mutation runs only (issue 15): a test plants one with
 * {@link io.raftkv.common.PlantedBugs#plant} and shows that the sharded swarm notices it. Each is a
 * minimal wrong behaviour at exactly one place, which asks {@link
 * io.raftkv.common.PlantedBugs#planted}; nothing in production plants any.
 */
public enum KvBug {
    /** A group serves a shard that is HANDING_OFF or PULLING ({@code KvStateMachine.serving}). */
    SERVE_WHILE_MIGRATING,
    /** A retried write (its sequence equals its session's last) is applied again. */
    SKIP_SESSION_DEDUPE,
    /** A group takes the next config while its transfers for the current one are unfinished. */
    APPLY_CONFIG_WITHOUT_WAITING,
    /**
     * The source deletes a handed-off shard that the new owner never confirmed it has: taking back
     * a shard whose receiver left drops it instead of retaining it.
     */
    DELETE_SHARD_BEFORE_CONFIRM,
    /** A migration drops the client sessions its last chunk carries. */
    DROP_LAST_CHUNK_SESSIONS
}
