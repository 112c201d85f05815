package io.raftkv.shardkv.kv;

import io.raftkv.common.PlantedBugs;

/**
 * Where a shard a group holds stands in the group's current config. A group serves a shard only
 * when it is {@link #SERVING}: a copied shard is served only once its previous owner has logged the
 * handoff as final, so that the previous owner can still take it back until then.
 */
public enum ShardStatus {
    /** Owned in the current config, and all its data is here. */
    SERVING,
    /**
     * Owned in the current config; its data is still being copied from its previous owner (or, with
     * no source yet, waits for the group holding it to say where it is).
     */
    PULLING,
    /**
     * Owned and copied, but not served yet: the previous owner has not yet logged the handoff as
     * final (by deleting its copy). It may still refuse, if it reclaimed the shard first.
     */
    NOTIFYING,
    /**
     * Given to another group by the current config: frozen until the new owner has copied it and
     * the handoff is final, then deleted. The group does not take the next config until the shard
     * is gone or reclaimed.
     */
    HANDING_OFF,
    /**
     * Held here, frozen, and owned by no group that will take it from here in the current config:
     * either every group left, or the owner left without ever getting it and this group reclaimed
     * it. Handed to the owner a later config names (or served again, if that is this group).
     */
    RETAINED;

    public boolean serves() {
        return this == SERVING;
    }

    /** Whether this holds the group back from its next config. */
    public boolean blocksNextConfig() {
        if (PlantedBugs.planted(KvBug.APPLY_CONFIG_WITHOUT_WAITING)) {
            return false;
        }
        return this == PULLING || this == NOTIFYING || this == HANDING_OFF;
    }
}
