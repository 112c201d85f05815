package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import io.raftkv.shardkv.linearizability.EntryList.Entry;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Decides whether the operations on one key are linearizable: Wing &amp; Gong's depth-first search
 * for a linearization, with Lowe's memoization and Horn &amp; Kroening's lift/unlift of call and
 * return entries, as in Porcupine's {@code checkSingle}. Iterative (explicit per-depth arrays, so
 * 10,000 operations do not overflow the thread's stack) and deterministic: the order of the search
 * depends only on the history.
 *
 * <p>A node of the search is a linearized prefix. Its candidates are the calls in the window at the
 * head of the entry list, before the first return entry: the operations that may take effect next.
 * Linearizing one lifts its call and return out of the list, which may open the window to later
 * calls. When every candidate of a node fails, the operation of that first return had to take
 * effect and could not: the search backtracks, unlifting the choice that led to the node. A memo
 * cache of (set of linearized operations, state) prunes every node already explored, since what can
 * follow a prefix depends only on which operations it holds and the state it leaves.
 *
 * <p>Three additions to Porcupine keep histories with many concurrent clients or lost operations
 * from exploding. None changes the verdict: a legal read is taken without branching (see {@link
 * #candidates}); a node where some pending operation can never become legal fails at once (see
 * {@link Producers}); and the memo cache also prunes nodes that differ from a visited one only by
 * having linearized more operations of unknown outcome (see {@link Memo}). Writes are tried in call
 * order, as in Porcupine (trying them in return order, or lost ones last, measured slower).
 *
 * <p>Single use, single thread.
 */
final class SingleKeySearch {
    /** How many search steps run between two looks at the clock. */
    private static final int STEPS_PER_CLOCK_CHECK = 1024;

    private static final Entry[] NO_ENTRIES = {};
    private static final int NOT_STARVED = -1;

    private record Ordered(Operation operation, int historyIndex) {}

    private final String key;

    /** Operations by id: ordered by return time, unknown outcomes last (see LinearizedSet). */
    private final List<Operation> operations;

    private final EntryList entries;
    private final BitSet linearized = new BitSet();
    private final Memo memo;
    private final Producers producers;
    private final DeadEnds deadEnds;

    /** Per depth: the calls to try at that node, in order. */
    private final Entry[][] nodeCandidates;

    /** Per depth: how many of the node's candidates have been tried. */
    private final int[] nodeTried;

    /** Per depth: the state on entering the node. */
    private final String[] nodeStates;

    /** How many operations are linearized: the depth of the current node. */
    private int depth;

    /** The state after the linearized prefix. */
    private String state = KvModel.INITIAL;

    private int unlinearizedKnownCount;

    /** An operation starved at the current node, or {@link #NOT_STARVED}. */
    private int starved = NOT_STARVED;

    /**
     * @param operations every operation on {@code key}, with {@code historyIndexes} their positions
     *     in the caller's history (for explanations)
     */
    SingleKeySearch(String key, List<Operation> operations, List<Integer> historyIndexes) {
        Check.argument(operations.size() == historyIndexes.size(), "one index per operation");
        this.key = key;
        List<Ordered> ordered = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            ordered.add(new Ordered(operations.get(i), historyIndexes.get(i)));
        }
        ordered.sort(
                Comparator.<Ordered>comparingLong(o -> returnOrInfinity(o.operation()))
                        .thenComparingLong(o -> o.operation().callNanos())
                        .thenComparingInt(Ordered::historyIndex));
        this.operations = ordered.stream().map(Ordered::operation).toList();
        int[] historyIndexOf = ordered.stream().mapToInt(Ordered::historyIndex).toArray();
        this.entries = new EntryList(this.operations);
        this.deadEnds = new DeadEnds(key, this.operations, historyIndexOf);
        int nodes = this.operations.size() + 1;
        this.nodeCandidates = new Entry[nodes][];
        this.nodeTried = new int[nodes];
        this.nodeStates = new String[nodes];
        this.unlinearizedKnownCount =
                (int) this.operations.stream().filter(o -> !o.outcomeUnknown()).count();
        this.memo = new Memo(unlinearizedKnownCount);
        this.producers = new Producers(this.operations);
    }

    private static long returnOrInfinity(Operation operation) {
        return operation.outcomeUnknown() ? Operation.NEVER_RETURNED : operation.returnNanos();
    }

    /**
     * Runs the search until it finds a linearization, proves there is none, or passes the deadline.
     */
    CheckResult run(long deadlineNanos) {
        memo.visit(linearized, state);
        enterNode();
        long steps = 0;
        // Done once every operation with a known outcome is linearized: the unknown ones left can
        // all take effect afterwards, in any order, since any output is accepted from them.
        while (unlinearizedKnownCount > 0) {
            if (++steps % STEPS_PER_CLOCK_CHECK == 0 && System.nanoTime() - deadlineNanos > 0) {
                return new CheckResult.TimedOut(key);
            }
            if (!advance()) {
                return new CheckResult.NotLinearizable(key, deadEnds.explain());
            }
        }
        return new CheckResult.Linearizable();
    }

    /**
     * Tries the current node's next candidate, or backtracks when none is left.
     *
     * @return false when the root has no candidate left: there is no linearization
     */
    private boolean advance() {
        Entry[] candidates = nodeCandidates[depth];
        if (nodeTried[depth] < candidates.length) {
            Entry call = candidates[nodeTried[depth]++];
            Operation operation = operations.get(call.operation);
            KvModel.Step step = KvModel.step(state, operation.input(), operation.output());
            if (step.legal() && linearizeIfNew(call, step.next())) {
                enterNode();
            }
            return true;
        }
        deadEnds.note(depth, state, entries, this::linearizedOrder, starved);
        starved = NOT_STARVED;
        if (depth == 0) {
            return false;
        }
        depth--;
        Entry undone = nodeCandidates[depth][nodeTried[depth] - 1];
        state = nodeStates[depth];
        unlinearize(undone);
        return true;
    }

    private void enterNode() {
        Check.that(starved == NOT_STARVED, "entering a node below a starved one");
        nodeStates[depth] = state;
        nodeCandidates[depth] = candidates();
        nodeTried[depth] = 0;
    }

    /**
     * The calls worth trying at the current node: those in the window, except reads that are
     * illegal in the current state (they stay illegal until a write is linearized). None when some
     * call in the window is starved (see {@link Producers}).
     *
     * <p>NB: if a read is legal now it is the only candidate. A read-only operation (a get, or a
     * compare-and-set that did not swap) that is legal in this state and in this window can be
     * moved from wherever a linearization puts it to right here: it changes no state, so what
     * follows stays legal, and every operation that returned before it was called is already
     * linearized (else that return would close the window before its call). So this node has a
     * linearization if and only if the node after the read has one; branching on the other calls
     * would only repeat work.
     */
    private Entry[] candidates() {
        List<Entry> writes = new ArrayList<>();
        Entry legalRead = null;
        for (Entry e = entries.head.next; e != null && e.isCall; e = e.next) {
            if (producers.starved(e.operation, state)) {
                starved = e.operation;
                return NO_ENTRIES;
            }
            Operation operation = operations.get(e.operation);
            if (!isReadOnly(operation)) {
                writes.add(e);
            } else if (legalRead == null
                    && KvModel.step(state, operation.input(), operation.output()).legal()) {
                legalRead = e;
            }
        }
        return legalRead != null ? new Entry[] {legalRead} : writes.toArray(NO_ENTRIES);
    }

    private static boolean isReadOnly(Operation operation) {
        return switch (operation.output()) {
            case KvOutput.Value value -> true;
            case KvOutput.Swapped swapped -> !swapped.swapped();
            case KvOutput.Ok ok -> false;
            case KvOutput.Unknown unknown -> false;
        };
    }

    /** Lifts {@code call} unless the node it leads to needs no visit (see {@link Memo}). */
    private boolean linearizeIfNew(Entry call, String next) {
        linearized.set(call.operation);
        if (!memo.visit(linearized, next)) {
            linearized.clear(call.operation);
            return false;
        }
        entries.lift(call);
        producers.linearized(call.operation);
        if (call.match != null) {
            unlinearizedKnownCount--;
        }
        depth++;
        state = next;
        return true;
    }

    private void unlinearize(Entry call) {
        Check.that(linearized.get(call.operation), "undoing unlinearized %d", call.operation);
        linearized.clear(call.operation);
        entries.unlift(call);
        producers.unlinearized(call.operation);
        if (call.match != null) {
            unlinearizedKnownCount++;
        }
    }

    /** The ids of the linearized prefix, in linearization order. */
    private int[] linearizedOrder() {
        int[] order = new int[depth];
        for (int d = 0; d < depth; d++) {
            order[d] = nodeCandidates[d][nodeTried[d] - 1].operation;
        }
        return order;
    }
}
