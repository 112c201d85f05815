package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The KV state machine on its own: operations, exactly-once sessions, limits and snapshots. */
class KvStateMachineTest {
    private KvStateMachine machine = KvStateMachineTest.owningEverything();
    private long index;

    /** A group-1 state machine that owns every shard (config 1). */
    static KvStateMachine owningEverything() {
        return owningEverything(SessionTable.SESSIONS_MAX);
    }

    /** A group-1 state machine that owns every shard (config 1), keeping this many sessions. */
    static KvStateMachine owningEverything(int sessionsMax) {
        KvStateMachine machine =
                new KvStateMachine(GroupId.of(1), 10, new MemoryShardStore(), sessionsMax);
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(GroupId.of(1), List.of(new Member(NodeId.of(1), "a:1")));
        ShardConfig config =
                ShardConfig.initial(10).next(Collections.nCopies(10, GroupId.of(1)), groups);
        machine.apply(0, KvCodec.encode(new KvCommand.InstallConfig(config)));
        return machine;
    }

    private KvResult write(long clientId, long sequence, KvOp op) {
        return KvCodec.decodeResult(
                (byte[])
                        machine.apply(
                                ++index,
                                KvCodec.encode(new KvCommand.Write(clientId, sequence, op))));
    }

    private void register(long clientId, String key) {
        machine.apply(
                ++index,
                KvCodec.encode(new KvCommand.RegisterSession(clientId, Shards.of(bytes(key), 10))));
    }

    private KvResult get(String key) {
        return KvCodec.decodeResult(
                machine.query(KvCodec.encode(new KvQuery.Read(new KvOp.Get(bytes(key))))));
    }

    private static byte[] value(KvResult result) {
        return ((KvResult.Value) result).value();
    }

    @Test
    void putsAppendsAndDeletesAreVisibleToReads() {
        register(1, "k");
        assertThat(write(1, 1, new KvOp.Put(bytes("k"), bytes("a")))).isEqualTo(new KvResult.Ok());
        assertThat(write(1, 2, new KvOp.Append(bytes("k"), bytes("b"))))
                .isEqualTo(new KvResult.Ok());
        assertThat(value(get("k"))).isEqualTo(bytes("ab"));
        assertThat(write(1, 3, new KvOp.Delete(bytes("k")))).isEqualTo(new KvResult.Ok());
        assertThat(value(get("k"))).isNull();
        assertThat(write(1, 4, new KvOp.Append(bytes("k"), bytes("c"))))
                .isEqualTo(new KvResult.Ok());
        assertThat(value(get("k"))).as("append to an absent key").isEqualTo(bytes("c"));
    }

    @Test
    void compareAndSetSwapsOnlyOnAMatch() {
        register(1, "k");
        assertThat(write(1, 1, new KvOp.CompareAndSet(bytes("k"), null, bytes("v1"))))
                .isEqualTo(new KvResult.Swapped(true));
        assertThat(write(1, 2, new KvOp.CompareAndSet(bytes("k"), null, bytes("v2"))))
                .isEqualTo(new KvResult.Swapped(false));
        assertThat(write(1, 3, new KvOp.CompareAndSet(bytes("k"), bytes("v1"), bytes("v3"))))
                .isEqualTo(new KvResult.Swapped(true));
        assertThat(value(get("k"))).isEqualTo(bytes("v3"));
    }

    @Test
    void aRetriedWriteIsAppliedOnceAndAnswersTheSame() {
        register(7, "k");
        KvOp append = new KvOp.Append(bytes("k"), bytes("x"));
        assertThat(write(7, 1, append)).isEqualTo(new KvResult.Ok());
        assertThat(write(7, 1, append)).isEqualTo(new KvResult.Ok());
        assertThat(value(get("k"))).isEqualTo(bytes("x"));
        KvOp swap = new KvOp.CompareAndSet(bytes("k"), bytes("x"), bytes("y"));
        assertThat(write(7, 2, swap)).isEqualTo(new KvResult.Swapped(true));
        assertThat(write(7, 2, swap))
                .as("the retry gets the first answer, not a second try")
                .isEqualTo(new KvResult.Swapped(true));
    }

    @Test
    void aWriteWhoseSessionIsUnknownIsRefusedDefinitely() {
        assertThat(write(9, 5, new KvOp.Put(bytes("k"), bytes("v"))))
                .isEqualTo(new KvResult.SessionExpired());
        assertThat(value(get("k"))).isNull();
    }

    @Test
    void sessionsOfSilentClientsExpireByLogIndexAndTheirLateRetriesAreRefused() {
        KvOp append = new KvOp.Append(bytes("k"), bytes("x"));
        register(3, "k");
        write(3, 1, append);
        index += KvStateMachine.SESSION_IDLE_ENTRIES; // a million entries of other traffic later
        register(4, "other");
        write(4, 1, new KvOp.Put(bytes("other"), bytes("o")));
        assertThat(write(3, 1, append)).isEqualTo(new KvResult.SessionExpired());
        assertThat(write(3, 2, append)).isEqualTo(new KvResult.SessionExpired());
        assertThat(value(get("k"))).as("never applied twice").isEqualTo(bytes("x"));
    }

    @Test
    void pastTheSessionCapTheIdlestSessionIsEvictedAndItsLateRetryRefused() {
        machine = owningEverything(2);
        KvOp append = new KvOp.Append(bytes("k"), bytes("x"));
        register(1, "k");
        write(1, 1, append);
        register(2, "k");
        register(3, "k"); // three sessions in one shard: client 1's, the idlest, goes
        assertThat(write(1, 1, append)).isEqualTo(new KvResult.SessionExpired());
        assertThat(write(2, 1, new KvOp.Append(bytes("k"), bytes("y"))))
                .isEqualTo(new KvResult.Ok());
        assertThat(value(get("k"))).as("never applied twice").isEqualTo(bytes("xy"));
    }

    @Test
    void oversizedKeysAndValuesAreRefusedWithoutEffect() {
        byte[] bigValue = new byte[KvOp.VALUE_BYTES_MAX + 1];
        byte[] bigKey = new byte[KvOp.KEY_BYTES_MAX + 1];
        register(1, "k");
        machine.apply(
                ++index, KvCodec.encode(new KvCommand.RegisterSession(2, Shards.of(bigKey, 10))));
        assertThat(write(1, 1, new KvOp.Put(bytes("k"), bigValue)))
                .isInstanceOf(KvResult.TooLarge.class);
        assertThat(write(2, 1, new KvOp.Put(bigKey, bytes("v"))))
                .isInstanceOf(KvResult.TooLarge.class);
        assertThat(value(get("k"))).isNull();
        assertThat(
                        KvCodec.decodeResult(
                                machine.query(
                                        KvCodec.encode(new KvQuery.Read(new KvOp.Get(bigKey))))))
                .isInstanceOf(KvResult.TooLarge.class);
    }

    /**
     * The store's own limits keep every command it proposes within what one Raft proposal takes, so
     * a write that passes {@link KvOp#sizeProblem} is never refused by the group.
     */
    @Test
    void theLargestWriteAndTheLargestChunkFitOneProposal() {
        int proposalMax = RaftOptions.defaults().commandBytesMax();
        byte[] value = new byte[KvOp.VALUE_BYTES_MAX];
        KvOp largest = new KvOp.CompareAndSet(new byte[KvOp.KEY_BYTES_MAX], value, value);
        assertThat(KvOp.sizeProblem(largest)).isEmpty();
        assertThat(KvCodec.encode(new KvCommand.Write(1, 1, largest)).length)
                .isLessThan(proposalMax);
        assertThat(KvStateMachine.CHUNK_BYTES_MAX + KvOp.KEY_BYTES_MAX + KvOp.VALUE_BYTES_MAX)
                .as("a chunk and the one entry that may pass its bound, leaving room for sessions")
                .isLessThan(proposalMax / 2);
    }

    @Test
    void appendsCannotGrowAValuePastTheLimit() {
        register(1, "k");
        byte[] half = new byte[KvOp.VALUE_BYTES_MAX / 2 + 1];
        assertThat(write(1, 1, new KvOp.Append(bytes("k"), half))).isEqualTo(new KvResult.Ok());
        assertThat(write(1, 2, new KvOp.Append(bytes("k"), half)))
                .isInstanceOf(KvResult.TooLarge.class);
        assertThat(value(get("k"))).as("unchanged").hasSize(half.length);
    }

    @Test
    void malformedCommandsAndQueriesGetAnswersNotExceptions() {
        assertThat(machine.isValidCommand(new byte[] {1, 9})).isFalse();
        assertThat(KvCodec.decodeResult((byte[]) machine.apply(1, new byte[] {1, 9})))
                .isInstanceOf(KvResult.Malformed.class);
        assertThat(KvCodec.decodeResult(machine.query(new byte[0])))
                .isInstanceOf(KvResult.Malformed.class);
        byte[] put =
                KvCodec.encode(new KvCommand.Write(1, 1, new KvOp.Put(bytes("k"), bytes("v"))));
        assertThat(KvCodec.decodeResult(machine.query(put)))
                .as("a command is no query")
                .isInstanceOf(KvResult.Malformed.class);
        byte[] command =
                KvCodec.encode(new KvCommand.Write(1, 1, new KvOp.Put(bytes("k"), bytes("v"))));
        for (int length = 0; length < command.length; length++) {
            byte[] truncated = Arrays.copyOf(command, length);
            assertThatThrownBy(() -> KvCodec.decodeCommand(truncated))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aSnapshotCarriesDataAndSessions() {
        register(1, "a");
        register(2, "b");
        write(1, 1, new KvOp.Put(bytes("a"), bytes("1")));
        write(2, 1, new KvOp.Append(bytes("b"), bytes("2")));
        KvStateMachine restored = KvStateMachineTest.owningEverything();
        restored.restore(machine.snapshot());
        assertThat(restored.get(bytes("a"))).isEqualTo(bytes("1"));
        assertThat(restored.get(bytes("b"))).isEqualTo(bytes("2"));
        byte[] retry =
                KvCodec.encode(new KvCommand.Write(2, 1, new KvOp.Append(bytes("b"), bytes("2"))));
        restored.apply(++index, retry);
        assertThat(restored.get(bytes("b")))
                .as("a retry after restore is not applied again")
                .isEqualTo(bytes("2"));
        assertThat(restored.snapshot())
                .as("same state, same encoding")
                .isEqualTo(machine.snapshot());
    }

    @Test
    void keysSpreadOverEveryShardAndStayPut() {
        boolean[] seen = new boolean[10];
        for (int i = 0; i < 1_000; i++) {
            int shard = Shards.of(bytes("key-" + i), 10);
            assertThat(shard).isEqualTo(Shards.of(bytes("key-" + i), 10));
            seen[shard] = true;
        }
        for (boolean shard : seen) {
            assertThat(shard).isTrue();
        }
    }
}
