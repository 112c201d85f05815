package io.raftkv.shardkv.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.shardkv.linearizability.RegisterSimulation.Options;
import io.raftkv.shardkv.linearizability.RegisterSimulation.SimulatedOperation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Histories at the scale the simulator produces, and one no search can finish. */
class LinearizabilityLargeHistoryTest {
    private static final long SEED = 6824;

    /**
     * A bound against a checker that never ends, not a speed requirement: the checks take seconds,
     * but minutes on a machine busy with other builds (benchmarks measure speed, tests do not).
     */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private static final Options TEN_THOUSAND = new Options(SEED, "k", 8, 10_000, 0.0, true);

    @Test
    void tenThousandConcurrentOperationsOnOneKeyAreLinearizable() {
        List<Operation> history = RegisterSimulation.history(TEN_THOUSAND);
        long started = System.nanoTime();
        CheckResult result = LinearizabilityChecker.check(history, TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("seed %d: 10,000 operations decided %s in %s%n", SEED, result, took);
        assertThat(result).as("seed %d", SEED).isEqualTo(new CheckResult.Linearizable());
    }

    @Test
    void oneStaleReadInTenThousandOperationsIsFound() {
        List<SimulatedOperation> simulated = RegisterSimulation.run(TEN_THOUSAND);
        List<Operation> history = withOneStaleRead(simulated);
        long started = System.nanoTime();
        CheckResult result = LinearizabilityChecker.check(history, TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("seed %d: mutated history decided in %s:%n%s%n", SEED, took, result);
        assertThat(result).as("seed %d", SEED).isInstanceOf(CheckResult.NotLinearizable.class);
        int staleRead = firstDifference(RegisterSimulation.history(TEN_THOUSAND), history);
        assertThat(((CheckResult.NotLinearizable) result).explanation())
                .as("seed %d: the explanation ends the failing prefix at the stale read", SEED)
                .contains("ends with the return of\n  #" + staleRead + " client");
    }

    private static int firstDifference(List<Operation> original, List<Operation> mutated) {
        for (int i = 0; i < original.size(); i++) {
            if (!original.get(i).equals(mutated.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no difference");
    }

    @Test
    void simulatedHistoriesWithLostOperationsAreLinearizable() {
        for (long seed = 1; seed <= 20; seed++) {
            Options options = new Options(seed, "k", 5, 1_000, 0.02, true);
            CheckResult result =
                    LinearizabilityChecker.check(RegisterSimulation.history(options), TIMEOUT);
            assertThat(result).as("seed %d", seed).isEqualTo(new CheckResult.Linearizable());
        }
    }

    @Test
    void manyKeysAreCheckedIndependently() {
        List<Operation> history = new ArrayList<>();
        for (int key = 0; key < 8; key++) {
            long seed = SEED + key;
            history.addAll(
                    RegisterSimulation.history(new Options(seed, "k" + key, 6, 2_000, 0.0, false)));
        }
        assertThat(LinearizabilityChecker.check(history, TIMEOUT))
                .as("seeds %d..%d", SEED, SEED + 7)
                .isEqualTo(new CheckResult.Linearizable());
    }

    @Test
    void searchThatCannotFinishTimesOutAndTheTimeoutIsAFailure() {
        // Forty concurrent appends of distinct values leave 40! distinct states, and the final
        // read matches none of them, so the search must try every order: it cannot finish.
        List<Operation> history = new ArrayList<>();
        IntStream.range(0, 40)
                .forEach(
                        i ->
                                history.add(
                                        new Operation(
                                                i,
                                                KvInput.append("k", "<" + i + ">"),
                                                KvOutput.OK,
                                                0,
                                                100)));
        history.add(new Operation(40, KvInput.get("k"), KvOutput.value("none"), 200, 300));
        Duration tiny = Duration.ofMillis(50);

        CheckResult result = LinearizabilityChecker.check(history, tiny);

        assertThat(result).isEqualTo(new CheckResult.TimedOut("k"));
        assertThat(result.isOk()).isFalse();
        assertThatThrownBy(() -> LinearizabilityChecker.assertLinearizable(history, tiny))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("timed out")
                .hasMessageContaining("a timeout is a failure, not a pass");
    }

    /**
     * Changes one read in the second half to return a value that was overwritten, for certain,
     * before the read was called: written by an operation that returned before the overwriting
     * write was called, which itself returned before the read was called. Every value is written
     * once, so nothing can bring it back.
     */
    private static List<Operation> withOneStaleRead(List<SimulatedOperation> simulated) {
        List<Operation> history =
                new ArrayList<>(simulated.stream().map(o -> o.operation()).toList());
        for (int read = simulated.size() / 2; read < simulated.size(); read++) {
            Operation get = history.get(read);
            if (!(get.input() instanceof KvInput.Get) || get.outcomeUnknown()) {
                continue;
            }
            String stale = certainlyOverwrittenValue(simulated, get.callNanos());
            if (stale != null) {
                history.set(
                        read,
                        new Operation(
                                get.clientId(),
                                get.input(),
                                KvOutput.value(stale),
                                get.callNanos(),
                                get.returnNanos()));
                System.out.printf("seed %d: read #%d now returns %s%n", SEED, read, stale);
                return history;
            }
        }
        throw new AssertionError("seed " + SEED + ": no read to make stale");
    }

    /** The latest value overwritten for certain before {@code beforeNanos}, or null. */
    private static String certainlyOverwrittenValue(
            List<SimulatedOperation> simulated, long beforeNanos) {
        for (int i = simulated.size() - 1; i >= 0; i--) {
            SimulatedOperation overwrite = simulated.get(i);
            Operation write = overwrite.operation();
            boolean changesValue =
                    overwrite.tookEffect()
                            && !write.outcomeUnknown()
                            && !(write.input() instanceof KvInput.Get)
                            && !(write.output() instanceof KvOutput.Swapped(boolean s) && !s);
            if (!changesValue
                    || write.returnNanos() >= beforeNanos
                    || overwrite.stateBefore() == null) {
                continue;
            }
            SimulatedOperation writer = writerOf(simulated, overwrite.stateBefore());
            if (!writer.operation().outcomeUnknown()
                    && writer.operation().returnNanos() < write.callNanos()) {
                return overwrite.stateBefore();
            }
        }
        return null;
    }

    private static SimulatedOperation writerOf(List<SimulatedOperation> simulated, String value) {
        return simulated.stream()
                .filter(o -> o.tookEffect())
                .filter(o -> o.stateBefore() == null || !o.stateBefore().equals(value))
                .filter(
                        o ->
                                value.equals(
                                        KvModel.step(
                                                        o.stateBefore(),
                                                        o.operation().input(),
                                                        KvOutput.UNKNOWN)
                                                .next()))
                .findFirst()
                .orElseThrow();
    }
}
