package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A seeded simulation of clients sharing one key of a correct store: each operation takes effect at
 * one instant inside its interval (an operation whose outcome is lost may take effect at any later
 * instant, or never), so every history it records is linearizable by construction.
 */
final class RegisterSimulation {
    /** How an operation went, as only the simulation knows. */
    record SimulatedOperation(
            Operation operation, long effectNanos, boolean tookEffect, String stateBefore) {}

    /**
     * @param uniqueValues whether every written value is a token used once (so each state has
     *     exactly one writer), or drawn from a tiny set so values collide
     */
    record Options(
            long seed,
            String key,
            int clients,
            int operations,
            double unknownFraction,
            boolean uniqueValues) {}

    /** When a client's operation runs; a lost one may take effect long after the client gave up. */
    private record Interval(
            int client, long callNanos, long effectNanos, long returnNanos, boolean lost) {}

    private static final String[] SMALL_VALUES = {"a", "b", "c"};

    private final Options options;
    private final SplittableRandom random;
    private String state = KvModel.INITIAL;
    private final List<String> pastValues = new ArrayList<>();

    private RegisterSimulation(Options options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
    }

    /** The history, in call order. */
    static List<SimulatedOperation> run(Options options) {
        Check.argument(options.clients() > 0 && options.operations() >= 0, "bad %s", options);
        return new RegisterSimulation(options).simulate();
    }

    /** Just the operations of {@link #run}. */
    static List<Operation> history(Options options) {
        return run(options).stream().map(SimulatedOperation::operation).toList();
    }

    private List<SimulatedOperation> simulate() {
        List<Interval> intervals = intervals();
        List<Integer> effectOrder = new ArrayList<>();
        for (int i = 0; i < intervals.size(); i++) {
            effectOrder.add(i);
        }
        effectOrder.sort(
                Comparator.<Integer>comparingLong(i -> intervals.get(i).effectNanos())
                        .thenComparingInt(i -> i));
        SimulatedOperation[] operations = new SimulatedOperation[intervals.size()];
        for (int i : effectOrder) {
            operations[i] = apply(i, intervals.get(i));
        }
        return List.of(operations);
    }

    /** Each client calls, waits for its outcome, pauses, and calls again. */
    private List<Interval> intervals() {
        long[] nextCallNanos = new long[options.clients()];
        for (int c = 0; c < nextCallNanos.length; c++) {
            nextCallNanos[c] = random.nextLong(0, 100);
        }
        List<Interval> intervals = new ArrayList<>(options.operations());
        for (int i = 0; i < options.operations(); i++) {
            int client = 0;
            for (int c = 1; c < nextCallNanos.length; c++) {
                if (nextCallNanos[c] < nextCallNanos[client]) {
                    client = c;
                }
            }
            long call = nextCallNanos[client];
            long effect = call + random.nextLong(0, 200);
            long returned = effect + random.nextLong(0, 200);
            boolean lost = random.nextDouble() < options.unknownFraction();
            if (lost) {
                effect = call + random.nextLong(0, 5_000);
            }
            intervals.add(new Interval(client, call, effect, returned, lost));
            nextCallNanos[client] = returned + random.nextLong(1, 100);
        }
        return intervals;
    }

    private SimulatedOperation apply(int id, Interval interval) {
        boolean lost = interval.lost();
        boolean takesEffect = !lost || random.nextBoolean();
        KvInput input = chooseInput(id);
        String before = state;
        KvModel.Step step = KvModel.step(state, input, KvOutput.UNKNOWN);
        KvOutput output = lost ? KvOutput.UNKNOWN : outputOf(input, before);
        if (takesEffect) {
            state = step.next();
            if (state != null) {
                pastValues.add(state);
            }
        }
        Operation operation =
                lost
                        ? Operation.unknown(interval.client(), input, interval.callNanos())
                        : new Operation(
                                interval.client(),
                                input,
                                output,
                                interval.callNanos(),
                                interval.returnNanos());
        return new SimulatedOperation(operation, interval.effectNanos(), takesEffect, before);
    }

    private static KvOutput outputOf(KvInput input, String state) {
        return switch (input) {
            case KvInput.Get get -> KvOutput.value(state);
            case KvInput.Put put -> KvOutput.OK;
            case KvInput.Append append -> KvOutput.OK;
            case KvInput.Delete delete -> KvOutput.OK;
            case KvInput.CompareAndSet cas ->
                    new KvOutput.Swapped(Objects.equals(state, cas.expected()));
        };
    }

    private KvInput chooseInput(int id) {
        String key = options.key();
        int dice = random.nextInt(100);
        if (dice < 40) {
            return KvInput.get(key);
        } else if (dice < 60) {
            return KvInput.put(key, newValue("p", id));
        } else if (dice < 72) {
            return KvInput.append(key, newValue("a", id));
        } else if (dice < 92) {
            return KvInput.compareAndSet(key, expectedValue(), newValue("c", id));
        } else {
            return KvInput.delete(key);
        }
    }

    private String newValue(String kind, int id) {
        if (options.uniqueValues()) {
            return "<" + kind + id + ">";
        }
        return SMALL_VALUES[random.nextInt(SMALL_VALUES.length)];
    }

    /** Usually the current value (the CAS swaps), sometimes a stale one or absent. */
    private String expectedValue() {
        int dice = random.nextInt(10);
        if (dice < 6 || pastValues.isEmpty()) {
            return state;
        } else if (dice < 9) {
            return pastValues.get(
                    pastValues.size() - 1 - random.nextInt(Math.min(5, pastValues.size())));
        }
        return null;
    }
}
