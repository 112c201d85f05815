package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import io.raftkv.shardkv.linearizability.EntryList.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Remembers the deepest dead end of a {@link SingleKeySearch} and explains an illegal history by
 * it: the longest linearizable prefix found, the operation that had to take effect next and could
 * not, and the operations that could have come first.
 */
final class DeadEnds {
    private static final int EXPLAINED_PREFIX_MAX = 12;
    private static final int EXPLAINED_CANDIDATES_MAX = 12;

    private final String key;
    private final List<Operation> operations;
    private final int[] historyIndexOf;

    private int depth = -1;
    private int[] prefix;
    private String state;
    private int blocker;
    private boolean blockerStarved;
    private final List<Integer> candidates = new ArrayList<>();

    /**
     * @param historyIndexOf per operation id, its position in the caller's history
     */
    DeadEnds(String key, List<Operation> operations, int[] historyIndexOf) {
        this.key = key;
        this.operations = operations;
        this.historyIndexOf = historyIndexOf;
    }

    /**
     * Notes a node at {@code depth} with no way forward, if it is the deepest so far. The operation
     * that could not be placed is {@code starved}, or if that is negative the first return entry in
     * {@code entries}.
     */
    void note(int depth, String state, EntryList entries, Supplier<int[]> prefix, int starved) {
        if (depth <= this.depth) {
            return;
        }
        this.depth = depth;
        this.prefix = prefix.get();
        this.state = state;
        candidates.clear();
        Entry e = entries.head.next;
        for (; e != null && e.isCall; e = e.next) {
            candidates.add(e.operation);
        }
        Check.that(e != null, "key %s: a dead end with no return to block it", key);
        blocker = starved >= 0 ? starved : e.operation;
        blockerStarved = starved >= 0;
    }

    String explain() {
        StringBuilder text = new StringBuilder();
        text.append("That prefix, ")
                .append(operations.size())
                .append(" operations, has no linearization.\n")
                .append("Longest linearizable prefix found: ")
                .append(depth)
                .append(" operations")
                .append(depth == 0 ? ".\n" : ", ending\n");
        int first = Math.max(0, depth - EXPLAINED_PREFIX_MAX);
        if (first > 0) {
            text.append("  ... ").append(first).append(" earlier operations\n");
        }
        for (int i = first; i < depth; i++) {
            text.append("  ").append(describe(prefix[i])).append('\n');
        }
        text.append("which leaves the value ").append(Render.value(state)).append(".\n");
        text.append("Then ").append(describe(blocker)).append('\n');
        if (blockerStarved) {
            text.append("can never take effect: nothing left could write the value it needs.\n")
                    .append("The operations that could come next:\n");
        } else {
            text.append("must take effect before it returns, but no order of the operations")
                    .append(" that may come first makes it legal:\n");
        }
        int shown = Math.min(candidates.size(), EXPLAINED_CANDIDATES_MAX);
        for (int i = 0; i < shown; i++) {
            text.append("  ").append(describe(candidates.get(i))).append('\n');
        }
        if (candidates.size() > shown) {
            text.append("  ... and ").append(candidates.size() - shown).append(" more\n");
        }
        return text.toString();
    }

    private String describe(int operation) {
        return "#" + historyIndexOf[operation] + " " + operations.get(operation);
    }
}
