package io.raftkv.shardkv.linearizability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Recording histories: real threads, virtual time, calls that never return. */
class LinearizabilityHistoryTest {
    /** A correct store: one lock, so each operation takes effect inside its call. */
    private static final class LockedStore {
        private final Map<String, String> values = new HashMap<>();

        synchronized KvOutput apply(KvInput input) {
            String value = values.get(input.key());
            KvModel.Step step = KvModel.step(value, input, KvOutput.UNKNOWN);
            KvOutput output =
                    switch (input) {
                        case KvInput.Get get -> KvOutput.value(value);
                        case KvInput.CompareAndSet cas ->
                                new KvOutput.Swapped(Objects.equals(value, cas.expected()));
                        case KvInput.Put put -> KvOutput.OK;
                        case KvInput.Append append -> KvOutput.OK;
                        case KvInput.Delete delete -> KvOutput.OK;
                    };
            values.put(input.key(), step.next());
            return output;
        }
    }

    @Test
    void historyRecordedByManyThreadsOnACorrectStoreIsLinearizable() throws InterruptedException {
        long seed = 42;
        History history = History.realTime();
        LockedStore store = new LockedStore();
        List<Thread> threads = new ArrayList<>();
        for (int client = 0; client < 8; client++) {
            int clientId = client;
            SplittableRandom random = new SplittableRandom(seed + client);
            threads.add(
                    Thread.ofPlatform().start(() -> runClient(clientId, random, history, store)));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        List<Operation> operations = history.operations();
        assertThat(operations).hasSize(8 * 500);
        CheckResult result = LinearizabilityChecker.check(operations, Duration.ofSeconds(20));
        assertThat(result).as("seed %d", seed).isEqualTo(new CheckResult.Linearizable());
    }

    private static void runClient(
            int clientId, SplittableRandom random, History history, LockedStore store) {
        for (int i = 0; i < 500; i++) {
            String key = "k" + random.nextInt(3);
            String value = clientId + "." + i;
            KvInput input =
                    switch (random.nextInt(5)) {
                        case 0 -> KvInput.get(key);
                        case 1 -> KvInput.put(key, value);
                        case 2 -> KvInput.append(key, value);
                        case 3 -> KvInput.delete(key);
                        default -> KvInput.compareAndSet(key, null, value);
                    };
            History.PendingCall call = history.call(clientId, input);
            history.returned(call, store.apply(input));
        }
    }

    @Test
    void virtualTimeIsReadFromTheGivenClock() {
        AtomicLong now = new AtomicLong(100);
        History history = History.virtualTime(now::get);
        History.PendingCall put = history.call(1, KvInput.put("k", "v"));
        now.set(150);
        history.returned(put, KvOutput.OK);

        assertThat(history.operations())
                .containsExactly(new Operation(1, KvInput.put("k", "v"), KvOutput.OK, 100, 150));
    }

    @Test
    void callThatNeverReturnedHasAnUnknownOutcome() {
        AtomicLong now = new AtomicLong(0);
        History history = History.virtualTime(now::get);
        history.call(1, KvInput.put("k", "v"));
        now.set(10);
        History.PendingCall get = history.call(2, KvInput.get("k"));
        now.set(20);
        history.returned(get, KvOutput.value("v"));

        assertThat(history.operations())
                .containsExactly(
                        Operation.unknown(1, KvInput.put("k", "v"), 0),
                        new Operation(2, KvInput.get("k"), KvOutput.value("v"), 10, 20));
        LinearizabilityChecker.assertLinearizable(history.operations(), Duration.ofSeconds(1));
    }

    @Test
    void aCallReturnsOnceWithAnOutputOfItsKind() {
        History history = History.virtualTime(() -> 0);
        History.PendingCall get = history.call(1, KvInput.get("k"));
        assertThatThrownBy(() -> history.returned(get, KvOutput.OK))
                .isInstanceOf(IllegalArgumentException.class);
        history.returned(get, KvOutput.ABSENT);
        assertThatThrownBy(() -> history.returned(get, KvOutput.ABSENT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already returned");
    }

    @Test
    void clockGoingBackwardsIsRejected() {
        AtomicLong now = new AtomicLong(10);
        History history = History.virtualTime(now::get);
        history.call(1, KvInput.get("k"));
        now.set(5);
        assertThatThrownBy(() -> history.call(2, KvInput.get("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("clock went backwards");
    }
}
