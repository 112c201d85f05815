package io.raftkv.shardkv.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The search's memo cache (Lowe): the nodes visited, each a set of linearized operations and the
 * state it leaves. A node needs no visit when a visited node dominates it.
 *
 * <p>Porcupine prunes only identical nodes. NB: this cache also prunes a node when a visited node
 * has the same state and the same operations with known outcomes, and a subset of its operations
 * with unknown outcomes. Linearizing fewer unknown operations never hurts, since those left over
 * can always take effect at the very end (they accept any output and nothing has to follow them),
 * so the dominated node can only succeed if the visited one can. Without this, every lost write
 * still pending doubles the nodes to search. Completeness, in short: were there a linearization the
 * search missed, take a visited node that has one, with the most known operations and, among those,
 * a continuation with the fewest unknown operations before its first known one; its first step
 * leads to a node that was visited or dominated by a visited node, and either way to a visited node
 * with more known operations or a shorter unknown run first, a contradiction.
 *
 * <p>Operation ids below {@code knownCount} are those with known outcomes; the rest are unknown.
 */
final class Memo {
    private record Key(LinearizedSet known, String state) {}

    private static final long[] NONE = {};

    private final int knownCount;

    /** Per key, the unknown-outcome subsets visited: an antichain, supersets are dropped. */
    private final Map<Key, List<long[]>> visited = new HashMap<>();

    Memo(int knownCount) {
        this.knownCount = knownCount;
    }

    /** Records the node and returns true, unless a visited node dominates it. */
    boolean visit(BitSet linearized, String state) {
        Key key = new Key(LinearizedSet.copyOf(linearized, knownCount), state);
        long[] unknown =
                linearized.length() <= knownCount
                        ? NONE
                        : linearized.get(knownCount, linearized.length()).toLongArray();
        List<long[]> subsets = visited.get(key);
        if (subsets == null) {
            subsets = new ArrayList<>(1);
            visited.put(key, subsets);
        } else {
            for (long[] subset : subsets) {
                if (isSubset(subset, unknown)) {
                    return false;
                }
            }
            subsets.removeIf(subset -> isSubset(unknown, subset));
        }
        subsets.add(unknown);
        return true;
    }

    private static boolean isSubset(long[] small, long[] large) {
        if (small.length > large.length) {
            return false; // toLongArray drops trailing zero words, so small has a bit past large
        }
        for (int i = 0; i < small.length; i++) {
            if ((small[i] & ~large[i]) != 0) {
                return false;
            }
        }
        return true;
    }
}
