package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.config.Member;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The snapshot image of a {@link KvStateMachine}: {@code [u8 version]}, the shard count and group,
 * the session eviction mark, the config, the last owner of each shard, the members of the groups
 * named, then each held shard with its status, source, pull position, sessions and keys.
 */
final class KvSnapshot {
    private static final byte VERSION = 2;
    private static final int BYTES_MAX = 1 << 30;
    private static final int SCAN_BYTES = 1 << 20;

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
                    writeMembers(out, state.members);
                    out.writeInt(state.held.size());
                    for (var entry : state.held.entrySet()) {
                        out.writeInt(entry.getKey());
                        writeHeld(out, entry.getValue());
                        writeValues(out, store, entry.getKey());
                    }
                });
    }

    static void read(GroupId self, byte[] snapshot, KvState state, ShardStore store) {
        state.reset();
        Binary.read(
                VERSION,
                snapshot,
                in -> {
                    Check.that(
                            in.readInt() == state.lastOwners.length,
                            "snapshot of a cluster with another shard count");
                    Check.that(in.readInt() == self.value(), "snapshot of another group");
                    state.lastEvictionIndex = in.readLong();
                    state.config = ControllerCodec.readConfig(in);
                    for (int shard = 0; shard < state.lastOwners.length; shard++) {
                        state.lastOwners[shard] = GroupId.of(in.readInt());
                    }
                    readMembers(in, state);
                    int held = in.readInt();
                    for (int i = 0; i < held; i++) {
                        int shard = in.readInt();
                        state.held.put(shard, readHeld(in));
                        readValues(in, store, shard);
                    }
                    return null;
                });
    }

    private static void writeMembers(DataOutputStream out, Map<GroupId, List<Member>> members)
            throws IOException {
        out.writeInt(members.size());
        for (var entry : members.entrySet()) {
            out.writeInt(entry.getKey().value());
            out.writeInt(entry.getValue().size());
            for (Member member : entry.getValue()) {
                out.writeInt(member.node().value());
                out.writeUTF(member.address());
            }
        }
    }

    private static void readMembers(DataInputStream in, KvState state) throws IOException {
        int groups = in.readInt();
        for (int i = 0; i < groups; i++) {
            GroupId group = GroupId.of(in.readInt());
            int count = in.readInt();
            List<Member> members = new ArrayList<>(count);
            for (int j = 0; j < count; j++) {
                members.add(new Member(NodeId.of(in.readInt()), in.readUTF()));
            }
            state.members.put(group, members);
        }
    }

    private static void writeHeld(DataOutputStream out, KvStateMachine.Held held)
            throws IOException {
        out.writeByte(held.status.ordinal());
        out.writeInt(held.source == null ? -1 : held.source.value());
        Binary.writeBytes(out, held.pulledUpTo == null ? null : held.pulledUpTo.bytes());
        held.sessions.write(out);
    }

    private static KvStateMachine.Held readHeld(DataInputStream in) throws IOException {
        ShardStatus status = ShardStatus.values()[in.readByte()];
        int source = in.readInt();
        KvStateMachine.Held held =
                new KvStateMachine.Held(status, source < 0 ? null : GroupId.of(source));
        byte[] pulledUpTo = Binary.readBytes(in, BYTES_MAX);
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
            store.put(
                    shard,
                    new Key(Binary.readBytes(in, BYTES_MAX)),
                    Binary.readBytes(in, BYTES_MAX));
        }
    }
}
