package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The KV decoders fuzzed from valid encodings: commands, queries, results and state machine
 * snapshots decode or are refused with {@link IllegalArgumentException}, allocating in proportion
 * to their input.
 */
class KvCodecFuzzTest {
    private static final int SHARDS = 10;
    private static final GroupId G1 = GroupId.of(1);
    private static final GroupId G2 = GroupId.of(2);

    @Test
    void commandsDecodeOrAreRefused() {
        List<byte[]> corpus =
                Stream.of(
                                new KvCommand.Write(1, 1, new KvOp.Put(bytes("k"), bytes("v"))),
                                new KvCommand.Write(1, 2, new KvOp.Append(bytes("k"), new byte[0])),
                                new KvCommand.Write(2, 9, new KvOp.Delete(bytes("key"))),
                                new KvCommand.Write(
                                        3, 1, new KvOp.CompareAndSet(bytes("k"), null, bytes("x"))),
                                new KvCommand.Write(
                                        3,
                                        2,
                                        new KvOp.SetIf(
                                                bytes("k"),
                                                bytes("v"),
                                                KvOp.Condition.ABSENT,
                                                true)),
                                new KvCommand.Write(
                                        3,
                                        3,
                                        new KvOp.SetIf(
                                                bytes("k"),
                                                new byte[0],
                                                KvOp.Condition.PRESENT,
                                                false)),
                                new KvCommand.Write(3, 4, new KvOp.GetDelete(bytes("k"), true)),
                                new KvCommand.Write(
                                        3, 5, new KvOp.AppendLength(bytes("k"), bytes("tail"))),
                                new KvCommand.Write(
                                        3, 6, new KvOp.IncrementBy(bytes("n"), Long.MIN_VALUE)),
                                new KvCommand.RegisterSession(4, 7),
                                new KvCommand.InstallConfig(config(2, G1, G2)),
                                new KvCommand.InsertChunk(2, 3, chunk(true)),
                                new KvCommand.InsertChunk(2, 3, chunk(false)),
                                new KvCommand.InsertChunk(2, 3, longChunk()),
                                new KvCommand.DeleteShard(2, 4),
                                new KvCommand.ShardNotified(2, 5),
                                new KvCommand.ReclaimShard(2, 6),
                                new KvCommand.AbandonShard(2, 7, true),
                                new KvCommand.AbandonShard(2, 7, false),
                                new KvCommand.PullFrom(
                                        2,
                                        8,
                                        G2,
                                        List.of(
                                                new Member(NodeId.of(2), "b:2"),
                                                new Member(NodeId.of(3), "c:3"))))
                        .map(KvCodec::encode)
                        .toList();
        DecoderFuzz.of(
                        "KvCodec.decodeCommand",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        KvCodec::decodeCommand)
                .reencodedBy(KvCodec::encode)
                .run(30_000_000, 12_000);
    }

    @Test
    void queriesDecodeOrAreRefused() {
        List<byte[]> corpus =
                Stream.of(
                                new KvQuery.Read(new KvOp.Get(bytes("k"))),
                                new KvQuery.Pull(2, 3, null, 1 << 20),
                                new KvQuery.Pull(2, 3, Key.of("after"), 100),
                                new KvQuery.Status())
                        .map(KvCodec::encode)
                        .toList();
        DecoderFuzz.of(
                        "KvCodec.decodeQuery",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        KvCodec::decodeQuery)
                .reencodedBy(KvCodec::encode)
                .run(31_000_000, 5_000);
    }

    @Test
    void resultsDecodeOrAreRefused() {
        TreeMap<Integer, ShardStatus> shards = new TreeMap<>();
        shards.put(0, ShardStatus.SERVING);
        shards.put(7, ShardStatus.PULLING);
        List<byte[]> corpus =
                Stream.of(
                                new KvResult.Ok(),
                                new KvResult.Value(bytes("value")),
                                new KvResult.Value(null),
                                new KvResult.Swapped(true),
                                new KvResult.WrongGroup(3),
                                new KvResult.TooLarge("key of 5000 bytes"),
                                new KvResult.SessionExpired(),
                                new KvResult.Malformed("ünïcødé ✓"),
                                new KvResult.WrongConfig(4),
                                new KvResult.Chunk(chunk(true)),
                                new KvResult.Reclaimed(),
                                new KvResult.Unavailable("pulling"),
                                new KvResult.Unknown("no answer"),
                                new KvResult.Previous(true, false, bytes("old")),
                                new KvResult.Previous(false, true, null),
                                new KvResult.Number(-42),
                                new KvResult.NotANumber(KvStateMachine.NOT_AN_INTEGER),
                                new KvResult.Status(3, shards))
                        .map(KvCodec::encode)
                        .toList();
        DecoderFuzz.of(
                        "KvCodec.decodeResult",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        KvCodec::decodeResult)
                .reencodedBy(KvCodec::encode)
                .run(32_000_000, 12_000);
    }

    @Test
    void snapshotsRestoreOrAreRefused() {
        List<byte[]> corpus =
                Stream.of(
                                new KvStateMachine(G1, SHARDS),
                                servingThreeKeys(),
                                handingOffHalf(),
                                pullingHalf(),
                                reclaimedHalfHandedOnAgain())
                        .map(KvStateMachine::snapshot)
                        .toList();
        DecoderFuzz.of(
                        "KvStateMachine.restore",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        KvCodecFuzzTest::restored)
                .reencodedBy(KvStateMachine::snapshot)
                .run(33_000_000, 6_000);
    }

    private static KvStateMachine restored(byte[] snapshot) {
        KvStateMachine machine = new KvStateMachine(G1, SHARDS);
        machine.restore(snapshot);
        return machine;
    }

    /**
     * Config {@code number} giving the first half of the shards to one group, the rest to the
     * other.
     */
    private static ShardConfig config(long number, GroupId first, GroupId second) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(first, List.of(new Member(NodeId.of(1), "a:1")));
        groups.put(
                second, List.of(new Member(NodeId.of(2), "b:2"), new Member(NodeId.of(3), "c:3")));
        List<GroupId> owners = new ArrayList<>(Collections.nCopies(SHARDS / 2, first));
        owners.addAll(Collections.nCopies(SHARDS / 2, second));
        return new ShardConfig(number, owners, groups);
    }

    private static ShardChunk chunk(boolean last) {
        SessionTable sessions = new SessionTable();
        if (last) {
            sessions.record(5, 2, 40, KvCodec.encode(new KvResult.Ok()), SessionTable.SESSIONS_MAX);
            sessions.record(
                    6,
                    1,
                    41,
                    KvCodec.encode(new KvResult.Value(bytes("v"))),
                    SessionTable.SESSIONS_MAX);
        }
        return new ShardChunk(
                Key.of("a"),
                List.of(Map.entry(Key.of("b"), bytes("1")), Map.entry(Key.of("c"), new byte[0])),
                last,
                sessions);
    }

    /** A long chunk, so that allocation in proportion to the input is measured too. */
    private static ShardChunk longChunk() {
        List<Map.Entry<Key, byte[]>> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            values.add(Map.entry(Key.of("key-%03d".formatted(i)), new byte[i % 3]));
        }
        return new ShardChunk(null, values, false, new SessionTable());
    }

    private static KvStateMachine servingThreeKeys() {
        KvStateMachine machine = KvStateMachineTest.owningEverything();
        long index = 1;
        for (String key : List.of("x", "y", "z")) {
            int shard = Shards.of(bytes(key), SHARDS);
            machine.apply(++index, KvCodec.encode(new KvCommand.RegisterSession(index, shard)));
            machine.apply(
                    ++index,
                    KvCodec.encode(
                            new KvCommand.Write(
                                    index - 1, 1, new KvOp.Put(bytes(key), bytes(key)))));
        }
        return machine;
    }

    private static KvStateMachine handingOffHalf() {
        KvStateMachine machine = servingThreeKeys();
        machine.apply(100, KvCodec.encode(new KvCommand.InstallConfig(config(2, G2, G1))));
        return machine;
    }

    /** Half handed off, taken back, and handed to the same group again: redirects and reclaims. */
    private static KvStateMachine reclaimedHalfHandedOnAgain() {
        KvStateMachine machine = handingOffHalf();
        for (int shard = 0; shard < SHARDS / 2; shard++) {
            machine.apply(101 + shard, KvCodec.encode(new KvCommand.ReclaimShard(2, shard)));
        }
        machine.apply(200, KvCodec.encode(new KvCommand.InstallConfig(config(3, G2, G1))));
        return machine;
    }

    private static KvStateMachine pullingHalf() {
        KvStateMachine machine = KvStateMachineTest.owningEverything();
        machine.apply(2, KvCodec.encode(new KvCommand.InstallConfig(config(2, G2, G1))));
        machine.apply(3, KvCodec.encode(new KvCommand.InstallConfig(config(3, G1, G2))));
        return machine;
    }
}
