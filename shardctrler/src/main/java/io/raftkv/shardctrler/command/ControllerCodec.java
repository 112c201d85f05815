package io.raftkv.shardctrler.command;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The binary forms of commands, queries, results and configs: {@code [u8 version][u8 kind]
 * [fields]}, big-endian, strings as modified UTF-8. Decoding throws {@link
 * IllegalArgumentException} for anything malformed, with every count and length checked against its
 * cap and the bytes left before it is used.
 */
public final class ControllerCodec {
    private static final byte VERSION = 1;

    /** The most shards a cluster may have. */
    public static final int SHARDS_MAX = 1 << 16;

    /** The most groups one config may list. */
    public static final int GROUPS_MAX = SHARDS_MAX * 16;

    /** A member address's longest modified UTF-8 form: up to three bytes a char. */
    private static final int ADDRESS_BYTES_MAX = 3 * Member.ADDRESS_CHARS_MAX;

    /** The fewest bytes a config takes: number, shard count, one owner, group count. */
    private static final int CONFIG_BYTES_MIN = 8 + 4 + 4 + 4;

    /**
     * What a config in format 2 (one with recoveries) starts with. NB: format 1 starts with the
     * config number, never negative, so the first long tells the formats apart.
     */
    private static final long CONFIG_FORMAT_2 = -2;

    /** The fewest bytes a recovery takes: group id, survivor, fenced count and one fenced node. */
    private static final int RECOVERY_BYTES_MIN = 4 + 4 + 4 + 4;

    /** The fewest bytes a member takes: node id and an empty address. */
    private static final int MEMBER_BYTES_MIN = 4 + 2;

    private ControllerCodec() {}

    // ---------------------------------------------------------------- commands

    public static byte[] encode(ControllerCommand command) {
        return write(
                out -> {
                    out.writeLong(command.clientId());
                    out.writeLong(command.sequence());
                    switch (command) {
                        case ControllerCommand.Join join -> {
                            out.writeByte(1);
                            writeGroups(out, join.groups());
                        }
                        case ControllerCommand.Leave leave -> {
                            out.writeByte(2);
                            out.writeInt(leave.groups().size());
                            for (GroupId group : leave.groups()) {
                                out.writeInt(group.value());
                            }
                        }
                        case ControllerCommand.Move move -> {
                            out.writeByte(3);
                            out.writeInt(move.shard());
                            out.writeInt(move.group().value());
                        }
                        case ControllerCommand.Claim claim -> {
                            out.writeByte(4);
                            out.writeInt(claim.group().value());
                            out.writeInt(claim.node().value());
                            out.writeLong(claim.incarnation());
                        }
                        case ControllerCommand.AddReplica add -> {
                            out.writeByte(5);
                            out.writeInt(add.group().value());
                            writeMember(out, add.member());
                        }
                        case ControllerCommand.RemoveReplica remove -> {
                            out.writeByte(6);
                            out.writeInt(remove.group().value());
                            out.writeInt(remove.node().value());
                        }
                        case ControllerCommand.ReplaceReplica replace -> {
                            out.writeByte(7);
                            out.writeInt(replace.group().value());
                            out.writeInt(replace.old().value());
                            writeMember(out, replace.replacement());
                        }
                        case ControllerCommand.Drain drain -> {
                            out.writeByte(8);
                            out.writeInt(drain.node().value());
                        }
                        case ControllerCommand.UnsafeRecover recover -> {
                            out.writeByte(9);
                            out.writeInt(recover.group().value());
                            out.writeInt(recover.survivor().value());
                        }
                    }
                });
    }

    public static ControllerCommand decodeCommand(byte[] bytes) {
        return read(
                bytes,
                in -> {
                    long clientId = in.readLong();
                    long sequence = in.readLong();
                    byte kind = in.readByte();
                    return switch (kind) {
                        case 1 -> new ControllerCommand.Join(clientId, sequence, readGroups(in));
                        case 2 -> new ControllerCommand.Leave(clientId, sequence, readGroupIds(in));
                        case 3 ->
                                new ControllerCommand.Move(
                                        clientId, sequence, in.readInt(), GroupId.of(in.readInt()));
                        case 4 ->
                                new ControllerCommand.Claim(
                                        clientId,
                                        sequence,
                                        GroupId.of(in.readInt()),
                                        NodeId.of(in.readInt()),
                                        in.readLong());
                        case 5 ->
                                new ControllerCommand.AddReplica(
                                        clientId,
                                        sequence,
                                        GroupId.of(in.readInt()),
                                        readMember(in));
                        case 6 ->
                                new ControllerCommand.RemoveReplica(
                                        clientId,
                                        sequence,
                                        GroupId.of(in.readInt()),
                                        NodeId.of(in.readInt()));
                        case 7 ->
                                new ControllerCommand.ReplaceReplica(
                                        clientId,
                                        sequence,
                                        GroupId.of(in.readInt()),
                                        NodeId.of(in.readInt()),
                                        readMember(in));
                        case 8 ->
                                new ControllerCommand.Drain(
                                        clientId, sequence, NodeId.of(in.readInt()));
                        case 9 ->
                                new ControllerCommand.UnsafeRecover(
                                        clientId,
                                        sequence,
                                        GroupId.of(in.readInt()),
                                        NodeId.of(in.readInt()));
                        default ->
                                throw new IllegalArgumentException("unknown command kind " + kind);
                    };
                });
    }

    // ---------------------------------------------------------------- queries

    /** A query for config {@code number}; -1 (or past the latest) means the latest. */
    public static byte[] encodeQuery(long number) {
        return write(out -> out.writeLong(number));
    }

    public static long decodeQuery(byte[] bytes) {
        return read(bytes, DataInputStream::readLong);
    }

    // ---------------------------------------------------------------- results

    public static byte[] encode(ControllerResult result) {
        return write(
                out -> {
                    switch (result) {
                        case ControllerResult.Done done -> {
                            out.writeByte(1);
                            out.writeLong(done.configNumber());
                        }
                        case ControllerResult.Config config -> {
                            out.writeByte(2);
                            writeConfig(out, config.config());
                        }
                        case ControllerResult.Rejected rejected -> {
                            out.writeByte(3);
                            out.writeByte(rejected.reason().ordinal());
                            out.writeUTF(rejected.message());
                        }
                        case ControllerResult.Claimed claimed -> {
                            out.writeByte(4);
                            out.writeBoolean(claimed.founding());
                            writeNodeIds(out, claimed.founders());
                        }
                    }
                });
    }

    public static ControllerResult decodeResult(byte[] bytes) {
        return read(
                bytes,
                in -> {
                    byte kind = in.readByte();
                    return switch (kind) {
                        case 1 -> new ControllerResult.Done(in.readLong());
                        case 2 -> new ControllerResult.Config(readConfig(in));
                        case 3 -> {
                            int reason = in.readByte();
                            ControllerResult.Reason[] reasons = ControllerResult.Reason.values();
                            Check.argument(
                                    reason >= 0 && reason < reasons.length,
                                    "unknown reason %d",
                                    reason);
                            yield new ControllerResult.Rejected(
                                    reasons[reason], Binary.readUtf(in, Binary.UTF_BYTES_MAX));
                        }
                        case 4 -> new ControllerResult.Claimed(readBoolean(in), readNodeIds(in));
                        default ->
                                throw new IllegalArgumentException("unknown result kind " + kind);
                    };
                });
    }

    // ---------------------------------------------------------------- configs

    /**
     * A config. Format 1, for a config without recoveries: {@code [i64 number][i32 shard count][i32
     * owner...][groups]}. Format 2, for one with recoveries: {@code [i64 -2]}, format 1, then
     * {@code [i32 count]([i32 group][i32 survivor][i32 count][i32 fenced node...])...}, groups and
     * fenced nodes ascending. NB: configs are kept in the KV groups' logs and snapshots, and format
     * 1 was the only one before recoveries: a config without recoveries keeps its bytes, so nodes
     * that do not know format 2 read it as before.
     */
    public static void writeConfig(DataOutputStream out, ShardConfig config) throws IOException {
        boolean recovered = !config.recoveries().isEmpty();
        if (recovered) {
            out.writeLong(CONFIG_FORMAT_2);
        }
        out.writeLong(config.number());
        out.writeInt(config.shardCount());
        for (GroupId owner : config.owners()) {
            out.writeInt(owner.value());
        }
        writeGroups(out, config.groups());
        if (recovered) {
            writeRecoveries(out, config.recoveries());
        }
    }

    /** Reads a {@link #writeConfig} config of either format. */
    public static ShardConfig readConfig(DataInputStream in) throws IOException {
        long first = in.readLong();
        Check.argument(first >= 0 || first == CONFIG_FORMAT_2, "unknown config format %d", first);
        boolean recovered = first == CONFIG_FORMAT_2;
        long number = recovered ? in.readLong() : first;
        int shards = Binary.readCount(in, Integer.BYTES, SHARDS_MAX);
        List<GroupId> owners = new ArrayList<>(shards);
        for (int shard = 0; shard < shards; shard++) {
            owners.add(GroupId.of(in.readInt()));
        }
        SortedMap<GroupId, List<Member>> groups = readGroups(in);
        SortedMap<GroupId, Recovery> recoveries =
                recovered ? readRecoveries(in) : Collections.emptySortedMap();
        return new ShardConfig(number, owners, groups, recoveries);
    }

    private static void writeRecoveries(
            DataOutputStream out, SortedMap<GroupId, Recovery> recoveries) throws IOException {
        out.writeInt(recoveries.size());
        for (var entry : recoveries.entrySet()) {
            out.writeInt(entry.getKey().value());
            out.writeInt(entry.getValue().survivor().value());
            writeNodeIds(out, List.copyOf(entry.getValue().fenced()), Recovery.FENCED_MAX);
        }
    }

    /**
     * Reads {@link #writeRecoveries} recoveries: at least one (a config without recoveries is
     * written in format 1, so each config has one encoding), groups and fenced nodes strictly
     * ascending.
     */
    private static SortedMap<GroupId, Recovery> readRecoveries(DataInputStream in)
            throws IOException {
        int count = Binary.readCount(in, RECOVERY_BYTES_MIN, GROUPS_MAX);
        Check.argument(count > 0, "a config in format 2 has recoveries");
        TreeMap<GroupId, Recovery> recoveries = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            GroupId group = GroupId.of(in.readInt());
            Check.argument(
                    recoveries.isEmpty() || recoveries.lastKey().compareTo(group) < 0,
                    "recovery of %s out of order",
                    group);
            NodeId survivor = NodeId.of(in.readInt());
            List<NodeId> fenced = readNodeIds(in, Recovery.FENCED_MAX);
            for (int f = 1; f < fenced.size(); f++) {
                Check.argument(
                        fenced.get(f - 1).compareTo(fenced.get(f)) < 0,
                        "fenced nodes of %s out of order",
                        group);
            }
            recoveries.put(group, new Recovery(survivor, new TreeSet<>(fenced)));
        }
        return recoveries;
    }

    /** Writes configs for a snapshot. */
    public static void writeConfigs(DataOutputStream out, List<ShardConfig> configs)
            throws IOException {
        out.writeInt(configs.size());
        for (ShardConfig config : configs) {
            writeConfig(out, config);
        }
    }

    public static List<ShardConfig> readConfigs(DataInputStream in) throws IOException {
        int count = Binary.readCount(in, CONFIG_BYTES_MIN, Integer.MAX_VALUE);
        Check.argument(count > 0, "a snapshot holds at least config 0");
        List<ShardConfig> configs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            configs.add(readConfig(in));
        }
        return configs;
    }

    /** Groups with their members: {@code [i32 count]([i32 group][i32 count][member...])...}. */
    public static void writeGroups(DataOutputStream out, SortedMap<GroupId, List<Member>> groups)
            throws IOException {
        out.writeInt(groups.size());
        for (var entry : groups.entrySet()) {
            out.writeInt(entry.getKey().value());
            out.writeInt(entry.getValue().size());
            for (Member member : entry.getValue()) {
                writeMember(out, member);
            }
        }
    }

    /** Reads {@link #writeGroups} groups; each has at least one member. */
    public static SortedMap<GroupId, List<Member>> readGroups(DataInputStream in)
            throws IOException {
        int count = Binary.readCount(in, 4 + 4 + MEMBER_BYTES_MIN, GROUPS_MAX);
        SortedMap<GroupId, List<Member>> groups = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            GroupId group = GroupId.of(in.readInt());
            int members = Binary.readCount(in, MEMBER_BYTES_MIN, ControllerCommand.MEMBERS_MAX);
            Check.argument(members > 0, "%s has no members", group);
            List<Member> list = new ArrayList<>(members);
            for (int m = 0; m < members; m++) {
                list.add(readMember(in));
            }
            Check.argument(groups.put(group, list) == null, "%s listed twice", group);
        }
        return groups;
    }

    /**
     * Node ids, at most {@link ControllerCommand#MEMBERS_MAX} (a group's): {@code [i32 count][i32
     * node...]}.
     */
    public static void writeNodeIds(DataOutputStream out, List<NodeId> nodes) throws IOException {
        writeNodeIds(out, nodes, ControllerCommand.MEMBERS_MAX);
    }

    /** Reads {@link #writeNodeIds} node ids. */
    public static List<NodeId> readNodeIds(DataInputStream in) throws IOException {
        return readNodeIds(in, ControllerCommand.MEMBERS_MAX);
    }

    private static void writeNodeIds(DataOutputStream out, List<NodeId> nodes, int countMax)
            throws IOException {
        Check.argument(nodes.size() <= countMax, "%d node ids, at most %d", nodes.size(), countMax);
        out.writeInt(nodes.size());
        for (NodeId node : nodes) {
            out.writeInt(node.value());
        }
    }

    private static List<NodeId> readNodeIds(DataInputStream in, int countMax) throws IOException {
        int count = Binary.readCount(in, Integer.BYTES, countMax);
        List<NodeId> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            nodes.add(NodeId.of(in.readInt()));
        }
        return nodes;
    }

    /** A member as {@code [i32 node][address as modified UTF-8]}. */
    private static void writeMember(DataOutputStream out, Member member) throws IOException {
        out.writeInt(member.node().value());
        out.writeUTF(member.address());
    }

    private static Member readMember(DataInputStream in) throws IOException {
        return new Member(NodeId.of(in.readInt()), Binary.readUtf(in, ADDRESS_BYTES_MAX));
    }

    /** A boolean written as 0 or 1; any other byte is malformed (one value, one encoding). */
    private static boolean readBoolean(DataInputStream in) throws IOException {
        byte value = in.readByte();
        Check.argument(value == 0 || value == 1, "bad boolean %d", value);
        return value == 1;
    }

    private static List<GroupId> readGroupIds(DataInputStream in) throws IOException {
        int count = Binary.readCount(in, Integer.BYTES, ControllerCommand.GROUPS_PER_COMMAND_MAX);
        List<GroupId> groups = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            groups.add(GroupId.of(in.readInt()));
        }
        return groups;
    }

    // ---------------------------------------------------------------- plumbing

    static byte[] write(Binary.Writer writer) {
        return Binary.write(VERSION, writer);
    }

    static <T> T read(byte[] bytes, Binary.Reader<T> reader) {
        return Binary.read(VERSION, bytes, reader);
    }
}
