package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.kv.KvOp.Condition;
import org.junit.jupiter.api.Test;

/**
 * The operations the RESP server needs, in the state machine: conditional sets that report what
 * they replaced, deletes that report, appends that measure, and increments, each applied once.
 */
class KvRedisOpsTest {
    private final KvStateMachine machine = KvStateMachineTest.owningEverything();
    private long index = 1;
    private long sequence;

    KvRedisOpsTest() {
        for (int shard = 0; shard < 10; shard++) {
            machine.apply(++index, KvCodec.encode(new KvCommand.RegisterSession(1, shard)));
        }
    }

    private KvResult write(KvOp op) {
        return writeAs(++sequence, op);
    }

    private KvResult writeAs(long sequence, KvOp op) {
        return KvCodec.decodeResult(
                (byte[])
                        machine.apply(
                                ++index, KvCodec.encode(new KvCommand.Write(1, sequence, op))));
    }

    private byte[] get(String key) {
        KvResult result =
                KvCodec.decodeResult(
                        machine.query(KvCodec.encode(new KvQuery.Read(new KvOp.Get(bytes(key))))));
        return ((KvResult.Value) result).value();
    }

    private static KvOp.SetIf set(String key, String value, Condition condition, boolean old) {
        return new KvOp.SetIf(bytes(key), bytes(value), condition, old);
    }

    private static void assertPrevious(
            KvResult result, boolean existed, boolean written, String previous) {
        assertThat(result).isInstanceOf(KvResult.Previous.class);
        KvResult.Previous found = (KvResult.Previous) result;
        assertThat(found.existed()).as("existed").isEqualTo(existed);
        assertThat(found.written()).as("written").isEqualTo(written);
        assertThat(found.previous())
                .as("previous")
                .isEqualTo(previous == null ? null : bytes(previous));
    }

    @Test
    void setIfAbsentWritesOnlyAMissingKey() {
        assertPrevious(write(set("k", "a", Condition.ABSENT, false)), false, true, null);
        assertPrevious(write(set("k", "b", Condition.ABSENT, false)), true, false, null);
        assertThat(get("k")).isEqualTo(bytes("a"));
    }

    @Test
    void setIfPresentWritesOnlyAnExistingKey() {
        assertPrevious(write(set("k", "a", Condition.PRESENT, false)), false, false, null);
        assertThat(get("k")).isNull();
        write(new KvOp.Put(bytes("k"), bytes("a")));
        assertPrevious(write(set("k", "b", Condition.PRESENT, true)), true, true, "a");
        assertThat(get("k")).isEqualTo(bytes("b"));
    }

    @Test
    void setReturningThePreviousValueIsGetSet() {
        assertPrevious(write(set("k", "a", Condition.ALWAYS, true)), false, true, null);
        assertPrevious(write(set("k", "b", Condition.ALWAYS, true)), true, true, "a");
        assertPrevious(write(set("k", "c", Condition.ABSENT, true)), true, false, "b");
        assertThat(get("k")).isEqualTo(bytes("b"));
    }

    @Test
    void getDeleteReportsWhatItDeleted() {
        write(new KvOp.Put(bytes("k"), bytes("v")));
        assertPrevious(write(new KvOp.GetDelete(bytes("k"), true)), true, true, "v");
        assertThat(get("k")).isNull();
        assertPrevious(write(new KvOp.GetDelete(bytes("k"), true)), false, false, null);
        write(new KvOp.Put(bytes("k"), bytes("v")));
        assertPrevious(write(new KvOp.GetDelete(bytes("k"), false)), true, true, null);
    }

    @Test
    void appendLengthAnswersTheNewLength() {
        assertThat(write(new KvOp.AppendLength(bytes("k"), bytes("abc"))))
                .isEqualTo(new KvResult.Number(3));
        assertThat(write(new KvOp.AppendLength(bytes("k"), bytes("de"))))
                .isEqualTo(new KvResult.Number(5));
        assertThat(get("k")).isEqualTo(bytes("abcde"));
    }

    @Test
    void incrementsCountFromZeroAndStoreDecimal() {
        assertThat(write(new KvOp.IncrementBy(bytes("n"), 1))).isEqualTo(new KvResult.Number(1));
        assertThat(write(new KvOp.IncrementBy(bytes("n"), -11)))
                .isEqualTo(new KvResult.Number(-10));
        assertThat(get("n")).isEqualTo(bytes("-10"));
    }

    @Test
    void anIncrementOfANonIntegerOrPastSixtyFourBitsWritesNothing() {
        write(new KvOp.Put(bytes("t"), bytes("ten")));
        assertThat(write(new KvOp.IncrementBy(bytes("t"), 1)))
                .isEqualTo(new KvResult.NotANumber(KvStateMachine.NOT_AN_INTEGER));
        assertThat(get("t")).isEqualTo(bytes("ten"));
        write(new KvOp.Put(bytes("m"), bytes(Long.toString(Long.MAX_VALUE))));
        assertThat(write(new KvOp.IncrementBy(bytes("m"), 1)))
                .isEqualTo(new KvResult.NotANumber(KvStateMachine.WOULD_OVERFLOW));
        write(new KvOp.Put(bytes("z"), bytes("01")));
        assertThat(write(new KvOp.IncrementBy(bytes("z"), 1)))
                .as("a leading zero is no integer to Redis")
                .isEqualTo(new KvResult.NotANumber(KvStateMachine.NOT_AN_INTEGER));
    }

    @Test
    void aRetriedIncrementIsAppliedOnceAndAnswersTheSame() {
        KvOp increment = new KvOp.IncrementBy(bytes("n"), 5);
        long first = ++sequence;
        assertThat(writeAs(first, increment)).isEqualTo(new KvResult.Number(5));
        assertThat(writeAs(first, increment)).isEqualTo(new KvResult.Number(5));
        assertThat(get("n")).isEqualTo(bytes("5"));
    }

    @Test
    void aRetryOfGetSetOfALargeValueIsUnknownNotASecondWrite() {
        byte[] large = new byte[KvStateMachine.PREVIOUS_KEPT_BYTES_MAX + 1];
        write(new KvOp.Put(bytes("k"), large));
        KvOp getSet = set("k", "small", Condition.ALWAYS, true);
        long first = ++sequence;
        assertThat(((KvResult.Previous) writeAs(first, getSet)).previous()).isEqualTo(large);
        assertThat(writeAs(first, getSet)).isInstanceOf(KvResult.Unknown.class);
        assertThat(get("k")).isEqualTo(bytes("small"));
        KvStateMachine restored = new KvStateMachine(io.raftkv.common.GroupId.of(1), 10);
        restored.restore(machine.snapshot()); // its sessions read back
        assertThat(restored.shardStatuses()).isEqualTo(machine.shardStatuses());
    }

    @Test
    void decimalsAreReadAsStrictlyAsRedisReadsThem() {
        for (String number :
                new String[] {"0", "7", "-7", "9223372036854775807", "-9223372036854775808"}) {
            assertThat(Decimal.parse(bytes(number))).as(number).hasValue(Long.parseLong(number));
        }
        for (String junk :
                new String[] {
                    "", "-", "+1", " 1", "1 ", "01", "-0", "1.5", "9223372036854775808", "abc"
                }) {
            assertThat(Decimal.parse(bytes(junk))).as("'%s'", junk).isEmpty();
        }
    }
}
