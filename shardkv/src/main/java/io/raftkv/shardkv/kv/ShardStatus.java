package io.raftkv.shardkv.kv;

/**
 * Where a shard a group holds stands in the group's current config. A group serves a shard only
 * when it is {@link #SERVING} or {@link #NOTIFYING}.
 */
public enum ShardStatus {
    /** Owned in the current config, and all its data is here. */
    SERVING,
    /** Owned in the current config; its data is still being copied from its previous owner. */
    PULLING,
    /**
     * Owned and complete, and served; the previous owner has not yet been told it may delete its
     * copy.
     */
    NOTIFYING,
    /**
     * Given to another group by the current config: frozen until the new owner has copied it, then
     * deleted. The group does not take the next config until it is gone.
     */
    HANDING_OFF,
    /**
     * Owned by no group in the current config (every group left): kept frozen, and handed to the
     * next group a later config gives it to.
     */
    RETAINED;

    public boolean serves() {
        return this == SERVING || this == NOTIFYING;
    }

    /** Whether this holds the group back from its next config. */
    public boolean blocksNextConfig() {
        return this == PULLING || this == NOTIFYING || this == HANDING_OFF;
    }
}
