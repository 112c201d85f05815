package io.raftkv.shardkv.linearizability;

import java.util.Arrays;
import java.util.BitSet;

/**
 * An immutable, compact copy of a set of linearized operation ids, used as a memo-cache key.
 *
 * <p>The search numbers operations by return time (unknown outcomes last), and an operation can
 * only be left out of a linearized prefix while it is concurrent with the prefix's operations, so
 * the set is nearly always "every id below {@code prefixCount}" plus a few ids above it. Storing it
 * that way costs O(concurrency) instead of a whole bitset per cache entry.
 */
final class LinearizedSet {
    private final int prefixCount;
    private final int[] extraIds;
    private final int hash;

    private LinearizedSet(int prefixCount, int[] extraIds) {
        this.prefixCount = prefixCount;
        this.extraIds = extraIds;
        this.hash = 31 * prefixCount + Arrays.hashCode(extraIds);
    }

    static LinearizedSet copyOf(BitSet ids) {
        int prefixCount = ids.nextClearBit(0);
        int extraCount = ids.cardinality() - prefixCount;
        int[] extraIds = new int[extraCount];
        int id = prefixCount;
        for (int i = 0; i < extraCount; i++) {
            id = ids.nextSetBit(id + 1);
            extraIds[i] = id;
        }
        return new LinearizedSet(prefixCount, extraIds);
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
