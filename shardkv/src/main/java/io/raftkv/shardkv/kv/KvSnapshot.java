package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.command.ControllerCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The snapshot image of a {@link KvStateMachine}: {@code [u8 version]}, the shard count and group,
 * the session eviction mark, the config, the last owner of each shard, the members of the groups
 * named, then each held shard with its status, source, redirect flag, pull position, sessions and
 * keys, then the handoffs the group took back. Version 3 added the redirect flag and the handoffs
 * taken back (issue 11).
 */
final class KvSnapshot {
    private static final byte VERSION = 3;
    private static final int SCAN_BYTES = 1 << 20;

    /**
     * The fewest bytes a held shard takes: id, status, source, redirect, position, sessions, end
     * mark.
     */
    private static final int HELD_BYTES_MIN = 4 + 1 + 4 + 1 + 4 + 4 + 1;

    /** The bytes a handoff taken back takes: config number and shard. */
    private static final int HANDOFF_BYTES = 8 + 4;

    /** More handoffs taken back than any cluster makes: a bound for decoding, not a limit. */
    private static final int RECLAIMED_MAX = 1 << 20;

    private KvSnapshot() {}

    static byte[] write(GroupId self, KvState state, ShardStore store) {
        return Binary.write(
                VERSION,
                out -> {
                    out.writeInt(state.lastOwners.length);
                    out.writeInt(self.value());
                    out.writeLong(state.lastEvictionIndex);
                    ControllerCodec.writeConfig(out, state.config);
                    for (GroupId owner : state.lastOwners) {
                        out.writeInt(owner.value());
                    }
                    ControllerCodec.writeGroups(out, state.members);
                    out.writeInt(state.held.size());
                    for (var entry : state.held.entrySet()) {
                        out.writeInt(entry.getKey());
                        writeHeld(out, entry.getValue());
                        writeValues(out, store, entry.getKey());
                    }
                    out.writeInt(state.reclaimed.size());
                    for (KvState.Handoff handoff : state.reclaimed) {
                        out.writeLong(handoff.configNumber());
                        out.writeInt(handoff.shard());
                    }
                });
    }

    /**
     * Reads a {@link #write} image into {@code state} and {@code store}, which must be empty.
     * Throws {@link IllegalArgumentException} if it is malformed or of another group or cluster;
     * what was read so far stays in {@code state} and {@code store}, so the caller must not go on
     * with them (the host halts: DESIGN.md rule 6).
     */
    static void read(GroupId self, byte[] snapshot, KvState state, ShardStore store) {
        state.reset();
        Binary.read(
                VERSION,
                snapshot,
                in -> {
                    int shardCount = state.lastOwners.length;
                    Check.argument(
                            in.readInt() == shardCount,
                            "snapshot of a cluster with another shard count");
                    Check.argument(in.readInt() == self.value(), "snapshot of another group");
                    state.lastEvictionIndex = in.readLong();
                    state.config = ControllerCodec.readConfig(in);
                    Check.argument(
                            state.config.shardCount() == shardCount,
                            "config of %d shards",
                            state.config.shardCount());
                    for (int shard = 0; shard < shardCount; shard++) {
                        state.lastOwners[shard] = GroupId.of(in.readInt());
                    }
                    state.members.putAll(ControllerCodec.readGroups(in));
                    int held = Binary.readCount(in, HELD_BYTES_MIN, shardCount);
                    for (int i = 0; i < held; i++) {
                        int shard = in.readInt();
                        Check.argument(
                                shard >= 0 && shard < shardCount && !state.held.containsKey(shard),
                                "bad or repeated shard %d",
                                shard);
                        state.held.put(shard, readHeld(in));
                        readValues(in, store, shard);
                    }
                    int reclaimed = Binary.readCount(in, HANDOFF_BYTES, RECLAIMED_MAX);
                    for (int i = 0; i < reclaimed; i++) {
                        long configNumber = in.readLong();
                        int shard = in.readInt();
                        Check.argument(
                                configNumber > 0
                                        && configNumber <= state.config.number()
                                        && shard >= 0
                                        && shard < shardCount,
                                "bad handoff taken back: shard %d of config %d",
                                shard,
                                configNumber);
                        Check.argument(
                                state.reclaimed.add(new KvState.Handoff(configNumber, shard)),
                                "handoff of shard %d in config %d listed twice",
                                shard,
                                configNumber);
                    }
                    return null;
                });
    }

    private static void writeHeld(DataOutputStream out, KvStateMachine.Held held)
            throws IOException {
        out.writeByte(held.status.ordinal());
        out.writeInt(held.source == null ? -1 : held.source.value());
        out.writeBoolean(held.redirect);
        Binary.writeBytes(out, held.pulledUpTo == null ? null : held.pulledUpTo.bytes());
        held.sessions.write(out);
    }

    private static KvStateMachine.Held readHeld(DataInputStream in) throws IOException {
        ShardStatus[] statuses = ShardStatus.values();
        int status = in.readByte();
        Check.argument(status >= 0 && status < statuses.length, "bad shard status %d", status);
        int source = in.readInt();
        Check.argument(source >= -1, "bad source group %d", source);
        KvStateMachine.Held held =
                new KvStateMachine.Held(statuses[status], source < 0 ? null : GroupId.of(source));
        held.redirect = in.readBoolean();
        byte[] pulledUpTo = Binary.readBytes(in, KvOp.KEY_BYTES_MAX);
        held.pulledUpTo = pulledUpTo == null ? null : new Key(pulledUpTo);
        held.sessions = SessionTable.read(in);
        return held;
    }

    /** The shard's keys as {@code [true][key][value]...[false]}. */
    private static void writeValues(DataOutputStream out, ShardStore store, int shard)
            throws IOException {
        Key after = null;
        List<Map.Entry<Key, byte[]>> batch;
        while (!(batch = store.scan(shard, after, SCAN_BYTES)).isEmpty()) {
            for (Map.Entry<Key, byte[]> entry : batch) {
                out.writeBoolean(true);
                Binary.writeBytes(out, entry.getKey().bytes());
                Binary.writeBytes(out, entry.getValue());
            }
            after = batch.getLast().getKey();
        }
        out.writeBoolean(false);
    }

    private static void readValues(DataInputStream in, ShardStore store, int shard)
            throws IOException {
        while (in.readBoolean()) {
            byte[] key = Binary.readBytes(in, KvOp.KEY_BYTES_MAX);
            byte[] value = Binary.readBytes(in, KvOp.VALUE_BYTES_MAX);
            Check.argument(key != null && value != null, "a null key or value in shard %d", shard);
            store.put(shard, new Key(key), value);
        }
    }
}
