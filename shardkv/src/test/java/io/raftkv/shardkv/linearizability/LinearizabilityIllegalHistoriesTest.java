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
import static io.raftkv.shardkv.linearizability.KvOutput.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-written histories no correct store can produce: each must be reported not linearizable, on
 * the right key. Times are nanoseconds on one clock; {@code [call, return]} per operation.
 */
class LinearizabilityIllegalHistoriesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    static Operation op(int client, KvInput input, KvOutput output, long call, long ret) {
        return new Operation(client, input, output, call, ret);
    }

    static Operation lost(int client, KvInput input, long call) {
        return Operation.unknown(client, input, call);
    }

    private static CheckResult.NotLinearizable assertIllegal(String key, Operation... history) {
        CheckResult result = LinearizabilityChecker.check(List.of(history), TIMEOUT);
        assertThat(result).isInstanceOf(CheckResult.NotLinearizable.class);
        assertThat(result.isOk()).isFalse();
        CheckResult.NotLinearizable illegal = (CheckResult.NotLinearizable) result;
        assertThat(illegal.key()).isEqualTo(key);
        assertThatThrownBy(
                        () -> LinearizabilityChecker.assertLinearizable(List.of(history), TIMEOUT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("not linearizable");
        return illegal;
    }

    @Test
    void staleReadAfterACompletedPut() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(0, put("x", "b"), OK, 20, 30),
                op(1, get("x"), value("a"), 40, 50));
    }

    @Test
    void readMissingACompletedAppendIsALostWrite() {
        assertIllegal(
                "x",
                op(0, append("x", "a"), OK, 0, 10),
                op(1, append("x", "b"), OK, 20, 30),
                op(2, get("x"), value("a"), 40, 50));
    }

    @Test
    void readOfNothingAfterACompletedPutIsALostWrite() {
        assertIllegal("x", op(0, put("x", "a"), OK, 0, 10), op(1, get("x"), ABSENT, 20, 30));
    }

    @Test
    void appendCalledOnceButSeenTwiceIsADuplicate() {
        assertIllegal(
                "x", op(0, append("x", "a"), OK, 0, 10), op(1, get("x"), value("aa"), 20, 30));
    }

    @Test
    void appendSeenTwiceAmongOtherAppendsIsADuplicate() {
        assertIllegal(
                "x",
                op(0, append("x", "a"), OK, 0, 100),
                op(1, append("x", "b"), OK, 0, 100),
                op(2, get("x"), value("aba"), 110, 120));
    }

    @Test
    void readOfANeverWrittenValue() {
        assertIllegal("x", op(0, put("x", "a"), OK, 0, 10), op(1, get("x"), value("z"), 20, 30));
    }

    @Test
    void readOfAValueOnAKeyNobodyWrote() {
        assertIllegal("x", op(0, get("x"), value("a"), 0, 10));
    }

    @Test
    void readsGoingBackwardsDuringAConcurrentPut() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 100),
                op(1, get("x"), value("a"), 10, 20),
                op(1, get("x"), ABSENT, 30, 40));
    }

    @Test
    void readsGoingBackwardsAcrossTwoConcurrentPuts() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, put("x", "b"), OK, 5, 100),
                op(2, get("x"), value("b"), 20, 30),
                op(3, get("x"), value("a"), 40, 50));
    }

    @Test
    void twoReadersSeeingTwoWritesInOppositeOrders() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 100),
                op(1, put("x", "b"), OK, 0, 100),
                op(2, get("x"), value("a"), 10, 20),
                op(2, get("x"), value("b"), 30, 40),
                op(3, get("x"), value("b"), 10, 20),
                op(3, get("x"), value("a"), 30, 40));
    }

    @Test
    void writeVisibleBeforeItsCall() {
        assertIllegal("x", op(0, get("x"), value("a"), 0, 10), op(1, put("x", "a"), OK, 20, 30));
    }

    @Test
    void lostWriteVisibleBeforeItsCall() {
        assertIllegal("x", op(0, get("x"), value("a"), 0, 10), lost(1, put("x", "a"), 20));
    }

    @Test
    void casThatSwappedAgainstAValueThatCouldNotBeThere() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", "b", "c"), SWAPPED, 20, 30));
    }

    @Test
    void casThatSwappedAnAbsentKeyAfterAPut() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", null, "b"), SWAPPED, 20, 30));
    }

    @Test
    void casReportedFailedWhenItMustHaveSwapped() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", "a", "c"), NOT_SWAPPED, 20, 30));
    }

    @Test
    void casOnANeverWrittenKeyReportedFailed() {
        assertIllegal("x", op(0, compareAndSet("x", null, "a"), NOT_SWAPPED, 0, 10));
    }

    @Test
    void twoConcurrentCasBothSwappingFromTheSameExpectedValue() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", "a", "b"), SWAPPED, 20, 40),
                op(2, compareAndSet("x", "a", "c"), SWAPPED, 25, 45));
    }

    @Test
    void readAfterASuccessfulCasSeesTheOldValue() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(1, compareAndSet("x", "a", "b"), SWAPPED, 20, 30),
                op(2, get("x"), value("a"), 40, 50));
    }

    @Test
    void lostCasCannotSwapFromAValueThatWasNotThere() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, compareAndSet("x", "z", "b"), 20),
                op(2, get("x"), value("b"), 30, 40));
    }

    @Test
    void deleteNotObserved() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(0, delete("x"), OK, 20, 30),
                op(1, get("x"), value("a"), 40, 50));
    }

    @Test
    void deletedKeyReadAsAnEmptyValue() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(0, delete("x"), OK, 20, 30),
                op(1, get("x"), value(""), 40, 50));
    }

    @Test
    void appendAfterDeleteKeepingTheDeletedPrefix() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                op(0, delete("x"), OK, 20, 30),
                op(0, append("x", "b"), OK, 40, 50),
                op(1, get("x"), value("ab"), 60, 70));
    }

    @Test
    void appendsSeenInTheReverseOfTheirRealTimeOrder() {
        assertIllegal(
                "x",
                op(0, append("x", "a"), OK, 0, 10),
                op(1, append("x", "b"), OK, 20, 30),
                op(2, get("x"), value("ba"), 40, 50));
    }

    @Test
    void lostWriteObservedTakesEffectOnlyOnce() {
        assertIllegal(
                "x",
                op(0, put("x", "a"), OK, 0, 10),
                lost(1, put("x", "b"), 5),
                op(2, get("x"), value("b"), 20, 30),
                op(2, get("x"), value("a"), 40, 50));
    }

    @Test
    void illegalKeyIsReportedWhileOtherKeysAreFine() {
        CheckResult.NotLinearizable illegal =
                assertIllegal(
                        "y",
                        op(0, put("x", "a"), OK, 0, 10),
                        op(1, put("y", "a"), OK, 0, 10),
                        op(2, get("x"), value("a"), 20, 30),
                        op(3, get("y"), ABSENT, 20, 30),
                        op(4, put("z", "c"), OK, 40, 50));
        assertThat(illegal.explanation()).contains("key \"y\"");
    }

    @Test
    void explanationNamesThePrefixAndTheOperationThatCannotFollowIt() {
        CheckResult.NotLinearizable illegal =
                assertIllegal(
                        "x",
                        op(0, put("x", "a"), OK, 0, 10),
                        op(0, put("x", "b"), OK, 20, 30),
                        op(1, get("x"), value("a"), 40, 50));
        System.out.println(illegal.explanation());
        assertThat(illegal.explanation())
                .contains("Longest linearizable prefix found: 2 operations")
                .contains("#0 client 0: Put(\"x\", \"a\") -> ok  [call 0, return 10]")
                .contains("which leaves the value \"b\"")
                .contains("Then #2 client 1: Get(\"x\") -> \"a\"  [call 40, return 50]");
    }
}
