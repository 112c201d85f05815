package io.raftkv.shardkv.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which operations could still write the value another operation needs, so the search can give up
 * on a node as soon as some pending operation can never become legal (not in Porcupine).
 *
 * <p>A consumer is a get that read value v, or a compare-and-set that swapped from v: it is legal
 * only in state v. A producer of v is an operation that can leave the state at v: a put of v, a
 * delete (v absent), a compare-and-set to v that swapped or may have, an append of a suffix of v.
 * Every operation that changes the state is a producer of the state it leaves, so once all
 * producers of v are linearized and the state is not v, the state will never be v again and the
 * consumer can never be linearized: the node has no linearization.
 *
 * <p>Single thread; the counts follow the search's lifts and unlifts.
 */
final class Producers {
    /** Per operation id: the consumers whose value it could produce. */
    private final int[][] consumersOf;

    /** Per consumer id: how many of its producers are not linearized. */
    private final int[] pendingProducers;

    /** Per operation id: whether it is a consumer. */
    private final boolean[] isConsumer;

    /** Per consumer id: the value it needs. */
    private final String[] needed;

    Producers(List<Operation> operations) {
        int count = operations.size();
        isConsumer = new boolean[count];
        needed = new String[count];
        pendingProducers = new int[count];
        Map<String, List<Integer>> consumersByValue = new HashMap<>();
        for (int id = 0; id < count; id++) {
            Operation operation = operations.get(id);
            isConsumer[id] = isConsumer(operation);
            if (isConsumer[id]) {
                needed[id] = neededValue(operation);
                consumersByValue.computeIfAbsent(needed[id], v -> new ArrayList<>()).add(id);
            }
        }
        Map<String, List<String>> valuesBySuffix = valuesBySuffix(operations, consumersByValue);
        consumersOf = new int[count][];
        for (int id = 0; id < count; id++) {
            List<Integer> consumers = new ArrayList<>();
            for (String value : producedValues(operations.get(id), valuesBySuffix)) {
                consumers.addAll(consumersByValue.getOrDefault(value, List.of()));
            }
            consumersOf[id] = consumers.stream().mapToInt(Integer::intValue).toArray();
            for (int consumer : consumersOf[id]) {
                pendingProducers[consumer]++;
            }
        }
    }

    void linearized(int id) {
        for (int consumer : consumersOf[id]) {
            pendingProducers[consumer]--;
        }
    }

    void unlinearized(int id) {
        for (int consumer : consumersOf[id]) {
            pendingProducers[consumer]++;
        }
    }

    /** Whether unlinearized operation {@code id} can never become legal, from this state on. */
    boolean starved(int id, String state) {
        return isConsumer[id] && pendingProducers[id] == 0 && !Objects.equals(needed[id], state);
    }

    private static boolean isConsumer(Operation operation) {
        return switch (operation.output()) {
            case KvOutput.Value value -> true;
            case KvOutput.Swapped swapped -> swapped.swapped();
            case KvOutput.Ok ok -> false;
            case KvOutput.Unknown unknown -> false;
        };
    }

    private static String neededValue(Operation operation) {
        if (operation.output() instanceof KvOutput.Value(String value)) {
            return value;
        }
        return ((KvInput.CompareAndSet) operation.input()).expected();
    }

    /** The states operation may leave that some consumer needs (a superset is fine). */
    private static List<String> producedValues(
            Operation operation, Map<String, List<String>> valuesBySuffix) {
        return switch (operation.input()) {
            case KvInput.Get get -> List.of();
            case KvInput.Put put -> List.of(put.value());
            case KvInput.Delete delete -> Arrays.asList((String) null);
            case KvInput.CompareAndSet cas ->
                    operation.output() instanceof KvOutput.Swapped(boolean swapped) && !swapped
                            ? List.of()
                            : List.of(cas.newValue());
            case KvInput.Append append -> valuesBySuffix.getOrDefault(append.value(), List.of());
        };
    }

    /**
     * Every needed value under each of its suffixes whose length some append has, so finding the
     * values an append can produce is one lookup instead of a scan.
     */
    private static Map<String, List<String>> valuesBySuffix(
            List<Operation> operations, Map<String, List<Integer>> consumersByValue) {
        TreeSet<Integer> appendLengths = new TreeSet<>();
        for (Operation operation : operations) {
            if (operation.input() instanceof KvInput.Append append) {
                appendLengths.add(append.value().length());
            }
        }
        Map<String, List<String>> valuesBySuffix = new HashMap<>();
        for (String value : consumersByValue.keySet()) {
            if (value == null) {
                continue;
            }
            for (int length : appendLengths.headSet(value.length(), true)) {
                String suffix = value.substring(value.length() - length);
                valuesBySuffix.computeIfAbsent(suffix, s -> new ArrayList<>()).add(value);
            }
        }
        return valuesBySuffix;
    }
}
