package io.raftkv.shardkv.redis;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.storage.WriteAheadLog;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A backend over one real {@link KvStateMachine} that owns every shard, without Raft or a network:
 * each write is applied at once under one session. With {@link #holding}, results wait in {@link
 * #held} until the test completes them, in any order. Test thread only.
 */
final class StoreBackend implements RespBackend {
    private static final int SHARDS = 10;
    private final KvStateMachine machine = new KvStateMachine(GroupId.of(1), SHARDS);
    private long index;
    private long sequence;
    private boolean holding;

    /** Results not yet handed back, in the order their operations came. */
    final List<Held> held = new ArrayList<>();

    /** Operations run, in order. */
    final List<KvOp> ops = new ArrayList<>();

    /** An operation whose result waits for the test. */
    record Held(KvOp op, KvResult result, CompletableFuture<KvResult> future) {
        void complete() {
            future.complete(result);
        }
    }

    StoreBackend() {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(GroupId.of(1), List.of(new Member(NodeId.of(1), "a:1")));
        ShardConfig config =
                ShardConfig.initial(SHARDS)
                        .next(Collections.nCopies(SHARDS, GroupId.of(1)), groups);
        machine.apply(++index, KvCodec.encode(new KvCommand.InstallConfig(config)));
        for (int shard = 0; shard < SHARDS; shard++) {
            machine.apply(++index, KvCodec.encode(new KvCommand.RegisterSession(1, shard)));
        }
    }

    /** From now on results wait in {@link #held}. */
    StoreBackend holding() {
        holding = true;
        return this;
    }

    @Override
    public CompletableFuture<KvResult> execute(KvOp op) {
        ops.add(op);
        KvResult result =
                op instanceof KvOp.Get get
                        ? KvCodec.decodeResult(machine.query(KvCodec.encode(new KvQuery.Read(get))))
                        : KvCodec.decodeResult(
                                (byte[])
                                        machine.apply(
                                                ++index,
                                                KvCodec.encode(
                                                        new KvCommand.Write(1, ++sequence, op))));
        CompletableFuture<KvResult> future = new CompletableFuture<>();
        if (holding) {
            held.add(new Held(op, result, future));
        } else {
            future.complete(result);
        }
        return future;
    }

    @Override
    public NodeSnapshot status() {
        return new NodeSnapshot(
                NodeId.of(1),
                List.of(),
                Optional.empty(),
                0,
                0,
                new WriteAheadLog.Stats(0, 0, 0, 0),
                0,
                0);
    }
}
