package io.raftkv.shardkv.linearizability;

import java.util.Arrays;
import java.util.BitSet;

/**
 * An immutable, compact copy of a set of linearized operation ids below some limit, used as a
 * memo-cache key.
 *
 * <p>The search numbers operations by return time, and an operation can only be left out of a
 * linearized prefix while it is concurrent with the prefix's operations, so the set is nearly
 * always "every id below {@code prefixCount}" plus a few ids above it. Storing it that way costs
 * O(concurrency) instead of a whole bitset per cache entry.
 */
final class LinearizedSet {
    private static final int[] NO_IDS = {};

    private final int prefixCount;
    private final int[] extraIds;
    private final int hash;

    private LinearizedSet(int prefixCount, int[] extraIds) {
        this.prefixCount = prefixCount;
        this.extraIds = extraIds;
        this.hash = 31 * prefixCount + Arrays.hashCode(extraIds);
    }

    /** The ids in {@code ids} that are below {@code limit}. */
    static LinearizedSet copyOf(BitSet ids, int limit) {
        int prefixCount = Math.min(ids.nextClearBit(0), limit);
        int[] extraIds = NO_IDS;
        int extraCount = 0;
        for (int id = ids.nextSetBit(prefixCount); id >= 0 && id < limit; ) {
            if (extraCount == extraIds.length) {
                extraIds = Arrays.copyOf(extraIds, Math.max(4, 2 * extraCount));
            }
            extraIds[extraCount++] = id;
            id = id + 1 < limit ? ids.nextSetBit(id + 1) : -1;
        }
        return new LinearizedSet(prefixCount, Arrays.copyOf(extraIds, extraCount));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LinearizedSet set
                && set.hash == hash
                && set.prefixCount == prefixCount
                && Arrays.equals(set.extraIds, extraIds);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
