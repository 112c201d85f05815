package io.raftkv.shardkv.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.linearizability.RegisterSimulation.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The checker against the definition: on small random histories, legal and corrupted, it must agree
 * with an exhaustive search over every real-time-respecting order.
 */
class LinearizabilityBruteForceTest {
    private static final int SEEDS = 5_000;

    @Test
    void checkerAgreesWithExhaustiveSearchOnSmallHistories() {
        int legal = 0;
        for (long seed = 1; seed <= SEEDS; seed++) {
            List<Operation> history = smallHistory(seed);
            boolean expected = BruteForce.isLinearizable(history);
            CheckResult result = LinearizabilityChecker.check(history, Duration.ofSeconds(5));
            assertThat(result.isOk())
                    .as("seed %d: %s -> %s", seed, history, result)
                    .isEqualTo(expected);
            legal += expected ? 1 : 0;
        }
        System.out.printf("%d of %d small histories were linearizable%n", legal, SEEDS);
        assertThat(legal).as("both verdicts are exercised").isBetween(SEEDS / 10, SEEDS * 9 / 10);
    }

    /** Up to 8 operations on one key from a correct simulation, then maybe corrupted. */
    private static List<Operation> smallHistory(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int size = random.nextInt(1, 9);
        Options options = new Options(seed, "k", random.nextInt(1, 4), size, 0.2, false);
        List<Operation> history = new ArrayList<>(RegisterSimulation.history(options));
        if (random.nextBoolean()) {
            int victim = random.nextInt(size);
            history.set(victim, corrupt(history.get(victim), random));
        }
        return history;
    }

    /** Changes the output or shifts the interval of one operation. */
    private static Operation corrupt(Operation operation, SplittableRandom random) {
        KvOutput output =
                switch (operation.output()) {
                    case KvOutput.Value value ->
                            KvOutput.value(
                                    random.nextBoolean()
                                            ? null
                                            : "abc".substring(random.nextInt(3), 3));
                    case KvOutput.Swapped swapped -> new KvOutput.Swapped(!swapped.swapped());
                    case KvOutput.Ok ok -> ok;
                    case KvOutput.Unknown unknown -> unknown;
                };
        long shift = random.nextLong(-300, 300);
        long call = Math.max(0, operation.callNanos() + shift);
        long ret =
                operation.outcomeUnknown()
                        ? Operation.NEVER_RETURNED
                        : Math.max(call, operation.returnNanos() + shift);
        return new Operation(operation.clientId(), operation.input(), output, call, ret);
    }

    /** Tries every order that respects real time; exponential, for a handful of operations. */
    static final class BruteForce {
        private BruteForce() {}

        static boolean isLinearizable(List<Operation> history) {
            return search(history, new boolean[history.size()], 0, KvModel.INITIAL);
        }

        private static boolean search(
                List<Operation> history, boolean[] placed, int count, String state) {
            if (count == history.size()) {
                return true;
            }
            for (int i = 0; i < history.size(); i++) {
                if (placed[i] || !minimal(history, placed, i)) {
                    continue;
                }
                Operation operation = history.get(i);
                KvModel.Step step = KvModel.step(state, operation.input(), operation.output());
                if (step.legal()) {
                    placed[i] = true;
                    boolean found = search(history, placed, count + 1, step.next());
                    placed[i] = false;
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Whether every operation that returned before {@code i} was called is placed. */
        private static boolean minimal(List<Operation> history, boolean[] placed, int i) {
            for (int j = 0; j < history.size(); j++) {
                Operation before = history.get(j);
                if (!placed[j]
                        && !before.outcomeUnknown()
                        && before.returnNanos() < history.get(i).callNanos()) {
                    return false;
                }
            }
            return true;
        }
    }
}
