package io.raftkv.shardkv.linearizability;

import java.util.ArrayList;
import java.util.List;

/**
 * Narrows an illegal key history down to its shortest failing prefix, so the explanation points at
 * the operation that broke it rather than wherever the search happened to get stuck deepest.
 *
 * <p>The prefix at time T holds the operations called by T; those that had not returned by T count
 * as unknown. Prefixes are monotone (a linearization of a longer prefix, cut down, is one of a
 * shorter prefix: the operations it drops were called after every known operation it keeps
 * returned), so a binary search over return times finds the first return that makes the history
 * illegal, in O(log n) searches. It gives up, keeping the shortest failing prefix found so far,
 * when its deadline passes.
 */
final class ShortestFailingPrefix {
    /** The operations of one key, with their positions in the caller's history. */
    record KeyHistory(List<Operation> operations, List<Integer> indexes) {
        CheckResult search(String key, long deadlineNanos) {
            return new SingleKeySearch(key, operations, indexes).run(deadlineNanos);
        }
    }

    private ShortestFailingPrefix() {}

    /** The explanation of {@code illegal}, the verdict on all of {@code history}, made precise. */
    static CheckResult.NotLinearizable narrow(
            String key,
            KeyHistory history,
            CheckResult.NotLinearizable illegal,
            long deadlineNanos) {
        List<Long> returns =
                history.operations().stream()
                        .filter(o -> !o.outcomeUnknown())
                        .map(Operation::returnNanos)
                        .distinct()
                        .sorted()
                        .toList();
        int legalBelow = 0; // prefixes ending before returns.get(legalBelow) are linearizable
        int failingAt = returns.size() - 1;
        CheckResult.NotLinearizable shortest = illegal;
        boolean finished = true;
        while (legalBelow < failingAt) {
            int middle = (legalBelow + failingAt) / 2;
            switch (prefix(history, returns.get(middle)).search(key, deadlineNanos)) {
                case CheckResult.NotLinearizable failing -> {
                    failingAt = middle;
                    shortest = failing;
                }
                case CheckResult.Linearizable legal -> legalBelow = middle + 1;
                case CheckResult.TimedOut timedOut -> {
                    finished = false;
                    legalBelow = failingAt;
                }
            }
        }
        return new CheckResult.NotLinearizable(
                key,
                header(key, history, returns.get(failingAt), finished) + shortest.explanation());
    }

    /** The operations called by {@code endNanos}, those still running then made unknown. */
    static KeyHistory prefix(KeyHistory history, long endNanos) {
        List<Operation> operations = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < history.operations().size(); i++) {
            Operation operation = history.operations().get(i);
            if (operation.callNanos() > endNanos) {
                continue;
            }
            boolean running = operation.outcomeUnknown() || operation.returnNanos() > endNanos;
            if (running && operation.input() instanceof KvInput.Get) {
                continue; // an unknown get can always go last
            }
            operations.add(
                    running
                            ? Operation.unknown(
                                    operation.clientId(), operation.input(), operation.callNanos())
                            : operation);
            indexes.add(history.indexes().get(i));
        }
        return new KeyHistory(operations, indexes);
    }

    private static String header(String key, KeyHistory history, long endNanos, boolean finished) {
        StringBuilder text = new StringBuilder();
        text.append("key ").append(Render.value(key)).append(" is not linearizable.\n");
        text.append(finished ? "Shortest failing prefix: " : "Shortest failing prefix found ")
                .append(finished ? "" : "(narrowing ran out of time): ")
                .append("the operations called by time ")
                .append(endNanos)
                .append(" (those still running then count as unknown),")
                .append(" which ends with the return of\n");
        for (int i = 0; i < history.operations().size(); i++) {
            Operation operation = history.operations().get(i);
            if (!operation.outcomeUnknown() && operation.returnNanos() == endNanos) {
                text.append("  #").append(history.indexes().get(i)).append(' ').append(operation);
                text.append('\n');
            }
        }
        if (finished) {
            text.append("Without that return the history is linearizable.\n");
        }
        return text.toString();
    }
}
