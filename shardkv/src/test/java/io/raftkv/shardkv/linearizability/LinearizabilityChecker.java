package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import io.raftkv.shardkv.linearizability.ShortestFailingPrefix.KeyHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks key/value histories for linearizability, the way Porcupine does: the history is
 * partitioned per key (P-compositionality: a history is linearizable if and only if each key's
 * sub-history is, since operations on different keys never interact in this model), and each key is
 * decided by a {@link SingleKeySearch}.
 *
 * <p>Keys are searched in parallel against one deadline. The verdict does not depend on scheduling
 * unless the deadline fires: the first illegal key in key order wins, even if another key timed
 * out; otherwise the first timed-out key; otherwise the history is linearizable.
 *
 * <p>Thread-safe: holds no state.
 */
public final class LinearizabilityChecker {
    /** Longer budgets are clamped to this, so deadline arithmetic cannot overflow. */
    private static final Duration TIMEOUT_MAX = Duration.ofDays(1);

    /**
     * Narrowing an illegal history may take this long, or this many times the first search. NB:
     * narrowing runs only when a check fails, so a generous minimum costs passing runs nothing; one
     * second was too little on a machine busy with other builds.
     */
    private static final long NARROWING_NANOS_MIN = Duration.ofSeconds(30).toNanos();

    private static final long NARROWING_SLOWDOWN_MAX = 4;

    private LinearizabilityChecker() {}

    /**
     * Decides whether {@code history} is linearizable, giving up after {@code timeout}. A {@link
     * CheckResult.TimedOut} result is not a pass (see {@link CheckResult#isOk()}).
     */
    public static CheckResult check(List<Operation> history, Duration timeout) {
        Check.argument(!timeout.isNegative(), "timeout %s is negative", timeout);
        long deadlineNanos = System.nanoTime() + min(timeout, TIMEOUT_MAX).toNanos();
        Map<String, KeyHistory> perKey = partition(history);
        List<CheckResult> results =
                perKey.entrySet().parallelStream()
                        .map(e -> checkKey(e.getKey(), e.getValue(), deadlineNanos))
                        .toList();
        return verdict(results);
    }

    /**
     * Fails with an {@link AssertionError} carrying the explanation unless {@code history} is
     * linearizable; a timeout fails too, since it proved nothing.
     */
    public static void assertLinearizable(List<Operation> history, Duration timeout) {
        switch (check(history, timeout)) {
            case CheckResult.Linearizable linearizable -> {}
            case CheckResult.NotLinearizable illegal ->
                    throw new AssertionError(
                            "history of "
                                    + history.size()
                                    + " operations is not linearizable: "
                                    + illegal.explanation());
            case CheckResult.TimedOut timedOut ->
                    throw new AssertionError(
                            "linearizability check of "
                                    + history.size()
                                    + " operations timed out after "
                                    + timeout
                                    + " on key "
                                    + Render.value(timedOut.key())
                                    + "; a timeout is a failure, not a pass: shorten the"
                                    + " history, lower its concurrency or raise the timeout");
        }
    }

    /**
     * Decides one key; an illegal verdict is narrowed to its shortest failing prefix, within a
     * budget of a few times the first search so a failing test stays quick.
     */
    private static CheckResult checkKey(String key, KeyHistory history, long deadlineNanos) {
        long startNanos = System.nanoTime();
        CheckResult result = history.search(key, deadlineNanos);
        if (!(result instanceof CheckResult.NotLinearizable illegal)) {
            return result;
        }
        long spentNanos = System.nanoTime() - startNanos;
        long budgetNanos = Math.max(NARROWING_NANOS_MIN, NARROWING_SLOWDOWN_MAX * spentNanos);
        long narrowingDeadline = Math.min(deadlineNanos, System.nanoTime() + budgetNanos);
        return ShortestFailingPrefix.narrow(key, history, illegal, narrowingDeadline);
    }

    /**
     * Groups operations by key, in key order. A get whose outcome is unknown is dropped: it changes
     * nothing and accepts any output, so it can always be linearized last.
     */
    private static Map<String, KeyHistory> partition(List<Operation> history) {
        Map<String, KeyHistory> perKey = new TreeMap<>();
        for (int index = 0; index < history.size(); index++) {
            Operation operation = history.get(index);
            Check.argument(operation != null, "operation %d is null", index);
            if (operation.outcomeUnknown() && operation.input() instanceof KvInput.Get) {
                continue;
            }
            KeyHistory keyHistory =
                    perKey.computeIfAbsent(
                            operation.key(),
                            k -> new KeyHistory(new ArrayList<>(), new ArrayList<>()));
            keyHistory.operations().add(operation);
            keyHistory.indexes().add(index);
        }
        return perKey;
    }

    private static CheckResult verdict(List<CheckResult> resultsInKeyOrder) {
        CheckResult verdict = new CheckResult.Linearizable();
        for (CheckResult result : resultsInKeyOrder) {
            switch (result) {
                case CheckResult.NotLinearizable illegal -> {
                    return illegal;
                }
                case CheckResult.TimedOut timedOut -> {
                    if (verdict.isOk()) {
                        verdict = timedOut;
                    }
                }
                case CheckResult.Linearizable linearizable -> {}
            }
        }
        return verdict;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
