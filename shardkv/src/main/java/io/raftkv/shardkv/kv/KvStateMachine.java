package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.raft.node.QueryableStateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One replica group's key/value data, kept per shard: each shard has its own keys and its own
 * client sessions (the last sequence number and result of each client's writes to the shard), so
 * that a shard can later move between groups with everything exactly-once needs.
 *
 * <p>Exactly once (Raft thesis section 6.3): a client registers a session in a shard before writing
 * to it; a write whose sequence equals the session's last gets the stored result again without
 * being applied; a write whose session does not exist (never registered, or evicted) gets {@link
 * KvResult.SessionExpired}, a definite answer and never a second application. Sessions idle for
 * {@value #SESSION_IDLE_ENTRIES} log entries are evicted, by log index, so every replica evicts the
 * same ones.
 *
 * <p>Deterministic: only sorted maps, no clocks. Reads are queries ({@link #query}) run after a
 * ReadIndex confirmation, not log entries.
 */
public final class KvStateMachine implements QueryableStateMachine {
    /** Log entries after which a silent client's session is forgotten. */
    static final long SESSION_IDLE_ENTRIES = 1_000_000;

    /** Sessions per shard; past it the idlest goes. */
    static final int SESSIONS_PER_SHARD_MAX = 100_000;

    private static final byte SNAPSHOT_VERSION = 1;
    private static final int SNAPSHOT_BYTES_MAX = 1 << 30;

    private record Session(long sequence, long lastIndex, byte[] result) {}

    /** One shard's keys and sessions. */
    private static final class ShardData {
        final TreeMap<Key, byte[]> values = new TreeMap<>();
        final TreeMap<Long, Session> sessions = new TreeMap<>();
    }

    private final int shardCount;
    private final TreeMap<Integer, ShardData> shards = new TreeMap<>();
    private long lastEvictionIndex;

    public KvStateMachine(int shardCount) {
        Check.argument(shardCount > 0, "shard count must be positive");
        this.shardCount = shardCount;
    }

    public int shardCount() {
        return shardCount;
    }

    @Override
    public boolean isValidCommand(byte[] command) {
        try {
            KvCodec.decodeCommand(command);
            return true;
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    @Override
    public Object apply(long index, byte[] bytes) {
        KvCommand command;
        try {
            command = KvCodec.decodeCommand(bytes);
        } catch (IllegalArgumentException malformed) {
            return KvCodec.encode(new KvResult.Malformed(malformed.getMessage()));
        }
        evictIdleSessions(index);
        return switch (command) {
            case KvCommand.Write write -> KvCodec.encode(applyWrite(index, write));
            case KvCommand.RegisterSession register -> KvCodec.encode(register(index, register));
        };
    }

    private KvResult register(long index, KvCommand.RegisterSession register) {
        if (register.shard() >= shardCount) {
            return new KvResult.Malformed("shard %d out of range".formatted(register.shard()));
        }
        ShardData shard = shards.computeIfAbsent(register.shard(), s -> new ShardData());
        shard.sessions.putIfAbsent(
                register.clientId(), new Session(0, index, KvCodec.encode(new KvResult.Ok())));
        if (shard.sessions.size() > SESSIONS_PER_SHARD_MAX) {
            evictIdlest(shard);
        }
        return new KvResult.Ok();
    }

    private KvResult applyWrite(long index, KvCommand.Write write) {
        ShardData shard =
                shards.computeIfAbsent(
                        Shards.of(write.op().key(), shardCount), s -> new ShardData());
        Session session = shard.sessions.get(write.clientId());
        if (session == null || write.sequence() < session.sequence()) {
            return new KvResult.SessionExpired();
        }
        if (write.sequence() == session.sequence()) {
            return KvCodec.decodeResult(session.result());
        }
        KvResult result =
                KvOp.sizeProblem(write.op())
                        .<KvResult>map(KvResult.TooLarge::new)
                        .orElseGet(() -> execute(shard, write.op()));
        shard.sessions.put(
                write.clientId(), new Session(write.sequence(), index, KvCodec.encode(result)));
        if (shard.sessions.size() > SESSIONS_PER_SHARD_MAX) {
            evictIdlest(shard);
        }
        return result;
    }

    private static KvResult execute(ShardData shard, KvOp op) {
        Key key = new Key(op.key());
        return switch (op) {
            case KvOp.Get get -> new KvResult.Value(shard.values.get(key));
            case KvOp.Put put -> {
                shard.values.put(key, put.value());
                yield new KvResult.Ok();
            }
            case KvOp.Append append -> {
                shard.values.merge(key, append.value(), KvStateMachine::concat);
                yield new KvResult.Ok();
            }
            case KvOp.Delete delete -> {
                shard.values.remove(key);
                yield new KvResult.Ok();
            }
            case KvOp.CompareAndSet cas -> {
                boolean matches = Arrays.equals(shard.values.get(key), cas.expected());
                if (matches) {
                    shard.values.put(key, cas.value());
                }
                yield new KvResult.Swapped(matches);
            }
        };
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** Every {@value #SESSION_IDLE_ENTRIES} entries, forgets sessions idle for that long. */
    private void evictIdleSessions(long index) {
        if (index - lastEvictionIndex < SESSION_IDLE_ENTRIES) {
            return;
        }
        lastEvictionIndex = index;
        for (ShardData shard : shards.values()) {
            shard.sessions
                    .values()
                    .removeIf(session -> index - session.lastIndex() >= SESSION_IDLE_ENTRIES);
        }
    }

    private static void evictIdlest(ShardData shard) {
        Map.Entry<Long, Session> idlest = null;
        for (var entry : shard.sessions.entrySet()) {
            if (idlest == null || entry.getValue().lastIndex() < idlest.getValue().lastIndex()) {
                idlest = entry;
            }
        }
        shard.sessions.remove(idlest.getKey());
    }

    /** Answers an encoded {@link KvOp.Get} with an encoded {@link KvResult}. */
    @Override
    public byte[] query(byte[] request) {
        KvOp op;
        try {
            op = KvCodec.decodeOp(request);
        } catch (IllegalArgumentException malformed) {
            return KvCodec.encode(new KvResult.Malformed(malformed.getMessage()));
        }
        if (!(op instanceof KvOp.Get get)) {
            return KvCodec.encode(new KvResult.Malformed("only gets are queries"));
        }
        Optional<String> tooLarge = KvOp.sizeProblem(get);
        if (tooLarge.isPresent()) {
            return KvCodec.encode(new KvResult.TooLarge(tooLarge.get()));
        }
        ShardData shard = shards.get(Shards.of(get.key(), shardCount));
        return KvCodec.encode(
                new KvResult.Value(shard == null ? null : shard.values.get(new Key(get.key()))));
    }

    /** The value of {@code key}, or null: for tests and the demo, on the loop thread. */
    public byte[] get(byte[] key) {
        ShardData shard = shards.get(Shards.of(key, shardCount));
        return shard == null ? null : shard.values.get(new Key(key));
    }

    @Override
    public byte[] snapshot() {
        return Binary.write(
                SNAPSHOT_VERSION,
                out -> {
                    out.writeInt(shardCount);
                    out.writeLong(lastEvictionIndex);
                    out.writeInt(shards.size());
                    for (var entry : shards.entrySet()) {
                        out.writeInt(entry.getKey());
                        writeShard(out, entry.getValue());
                    }
                });
    }

    private static void writeShard(DataOutputStream out, ShardData shard) throws IOException {
        out.writeInt(shard.values.size());
        for (var entry : shard.values.entrySet()) {
            Binary.writeBytes(out, entry.getKey().bytes());
            Binary.writeBytes(out, entry.getValue());
        }
        out.writeInt(shard.sessions.size());
        for (var entry : shard.sessions.entrySet()) {
            out.writeLong(entry.getKey());
            out.writeLong(entry.getValue().sequence());
            out.writeLong(entry.getValue().lastIndex());
            Binary.writeBytes(out, entry.getValue().result());
        }
    }

    @Override
    public void restore(byte[] snapshot) {
        shards.clear();
        Binary.read(
                SNAPSHOT_VERSION,
                snapshot,
                in -> {
                    Check.that(
                            in.readInt() == shardCount,
                            "snapshot of a cluster with another shard count");
                    lastEvictionIndex = in.readLong();
                    int count = in.readInt();
                    for (int i = 0; i < count; i++) {
                        shards.put(in.readInt(), readShard(in));
                    }
                    return null;
                });
    }

    private static ShardData readShard(DataInputStream in) throws IOException {
        ShardData shard = new ShardData();
        int values = in.readInt();
        for (int i = 0; i < values; i++) {
            shard.values.put(
                    new Key(Binary.readBytes(in, SNAPSHOT_BYTES_MAX)),
                    Binary.readBytes(in, SNAPSHOT_BYTES_MAX));
        }
        int sessions = in.readInt();
        for (int i = 0; i < sessions; i++) {
            long clientId = in.readLong();
            shard.sessions.put(
                    clientId,
                    new Session(
                            in.readLong(),
                            in.readLong(),
                            Binary.readBytes(in, SNAPSHOT_BYTES_MAX)));
        }
        return shard;
    }
}
