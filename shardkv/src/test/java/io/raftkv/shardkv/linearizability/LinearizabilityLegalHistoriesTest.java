package io.raftkv.shardkv.linearizability;

import static io.raftkv.shardkv.linearizability.KvInput.append;
import static io.raftkv.shardkv.linearizability.KvInput.compareAndSet;
import static io.raftkv.shardkv.linearizability.KvInput.delete;
import static io.raftkv.shardkv.linearizability.KvInput.get;
import static io.raftkv.shardkv.linearizability.KvInput.put;
import static io.raftkv.shardkv.linearizability.KvOutput.ABSENT;
import static io.raftkv.shardkv.linearizability.KvOutput.NOT_SWAPPED;
import static io.raftkv.shardkv.linearizability.KvOutput.OK;
import static io.raftkv.shardkv.linearizability.KvOutput.SWAPPED;
import static io.raftkv.shardkv.linearizability.KvOutput.UNKNOWN;
import static io.raftkv.shardkv.linearizability.KvOutput.value;
import static io.raftkv.shardkv.linearizability.LinearizabilityIllegalHistoriesTest.lost;
import static io.raftkv.shardkv.linearizability.LinearizabilityIllegalHistoriesTest.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-written histories a correct store can produce: each must be reported linearizable. */
class LinearizabilityLegalHistoriesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static void assertLegal(Operation... history) {
        CheckResult result = LinearizabilityChecker.check(List.of(history), TIMEOUT);
        assertThat(result).isEqualTo(new CheckResult.Linearizable());
        assertThat(result.isOk()).isTrue();
        LinearizabilityChecker.assertLinearizable(List.of(history), TIMEOUT);
    }

    @Test
    void emptyHistoryIsLinearizable() {
        assertLegal();
    }

    @Test
    void sequentialHistoryOfEveryOperation() {
        assertLegal(
                op(0, get("x"), ABSENT, 0, 1),
                op(0, put("x", "a"), OK, 2, 3),
                op(0, append("x", "b"), OK, 4, 5),
                op(0, get("x"), value("ab"), 6, 7),
                op(0, compareAndSet("x", "ab", "c"), SWAPPED, 8, 9),
                op(0, compareAndSet("x", "ab", "d"), NOT_SWAPPED, 10, 11),
                op(0, delete("x"), OK, 12, 13),
                op(0, get("x"), ABSENT, 14, 15),
                op(0, compareAndSet("x", null, "e"), SWAPPED, 16, 17),
                op(0, put("x", ""), OK, 18, 19),
                op(0, get("x"), value(""), 20, 21),
                op(0, delete("x"), OK, 22, 23),
                op(0, append("x", "f"), OK, 24, 25),
                op(0, get("x"), value("f"), 26, 27));
    }

    @Test
    void readCalledBeforeAConcurrentPutMaySeeIt() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                op(1, get("x"), value("b"), 20, 40),
                op(2, put("x", "b"), OK, 25, 50));
    }

    @Test
    void concurrentPutsMayTakeEffectInEitherOrder() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 100),
                op(1, put("x", "b"), OK, 0, 100),
                op(2, get("x"), value("b"), 10, 20),
                op(2, get("x"), value("a"), 30, 40),
                op(3, get("x"), value("a"), 110, 120));
    }

    @Test
    void readsDuringAConcurrentPutFlipOnce() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 100),
                op(1, get("x"), ABSENT, 10, 20),
                op(1, get("x"), value("a"), 30, 40),
                op(2, get("x"), value("a"), 50, 60));
    }

    @Test
    void concurrentAppendsInEitherOrder() {
        assertLegal(
                op(0, append("x", "a"), OK, 0, 50),
                op(1, append("x", "b"), OK, 0, 50),
                op(2, get("x"), value("ba"), 60, 70));
    }

    @Test
    void oneOfTwoConcurrentCasFromTheSameValueSwaps() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", "a", "b"), NOT_SWAPPED, 20, 40),
                op(2, compareAndSet("x", "a", "c"), SWAPPED, 25, 45),
                op(3, get("x"), value("c"), 50, 60));
    }

    @Test
    void intervalsThatTouchCountAsConcurrent() {
        assertLegal(op(0, put("x", "a"), OK, 0, 10), op(1, get("x"), ABSENT, 10, 20));
    }

    @Test
    void lostWriteThatTookEffect() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, put("x", "b"), 20),
                op(2, get("x"), value("b"), 30, 40));
    }

    @Test
    void lostWriteThatNeverTookEffect() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, put("x", "b"), 20),
                op(2, get("x"), value("a"), 30, 40),
                op(2, get("x"), value("a"), 1_000, 1_010));
    }

    @Test
    void lostWriteTakingEffectLongAfterItsClientGaveUp() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, append("x", "b"), 20),
                op(1, put("x", "c"), OK, 30, 40),
                op(2, get("x"), value("c"), 50, 60),
                op(2, get("x"), value("cb"), 1_000, 1_010));
    }

    @Test
    void lostCasThatSwappedAndLostGetThatIsIgnored() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, compareAndSet("x", "a", "b"), 20),
                lost(2, get("x"), 20),
                op(2, compareAndSet("x", "b", "c"), SWAPPED, 30, 40),
                op(3, get("x"), value("c"), 50, 60));
    }

    @Test
    void unknownOutputsRecordedWithAnyReturnTimeAreTreatedAsNeverReturned() {
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                op(1, put("x", "b"), UNKNOWN, 20, 25),
                op(2, get("x"), value("a"), 30, 40),
                op(2, get("x"), value("b"), 50, 60));
    }

    @Test
    void keysAreIndependent() {
        // Were x and y one key, the reads below would contradict each other.
        assertLegal(
                op(0, put("x", "a"), OK, 0, 10),
                op(1, put("y", "b"), OK, 0, 10),
                op(2, get("x"), value("a"), 20, 30),
                op(2, get("y"), value("b"), 20, 30),
                op(3, get("z"), ABSENT, 20, 30));
    }

    @Test
    void historyOrderDoesNotMatter() {
        assertLegal(
                op(2, get("x"), value("ab"), 60, 70),
                op(1, append("x", "b"), OK, 30, 50),
                op(0, append("x", "a"), OK, 0, 20));
    }

    @Test
    void mismatchedOutputIsRejectedWhenRecorded() {
        assertThatThrownBy(() -> op(0, get("x"), OK, 0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot answer");
        assertThatThrownBy(() -> op(0, put("x", "a"), OK, 10, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before its call");
    }
}
