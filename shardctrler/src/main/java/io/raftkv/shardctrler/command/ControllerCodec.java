package io.raftkv.shardctrler.command;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

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

    public static void writeConfig(DataOutputStream out, ShardConfig config) throws IOException {
        out.writeLong(config.number());
        out.writeInt(config.shardCount());
        for (GroupId owner : config.owners()) {
            out.writeInt(owner.value());
        }
        writeGroups(out, config.groups());
    }

    public static ShardConfig readConfig(DataInputStream in) throws IOException {
        long number = in.readLong();
        int shards = Binary.readCount(in, Integer.BYTES, SHARDS_MAX);
        List<GroupId> owners = new ArrayList<>(shards);
        for (int shard = 0; shard < shards; shard++) {
            owners.add(GroupId.of(in.readInt()));
        }
        return new ShardConfig(number, owners, readGroups(in));
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
        Check.argument(nodes.size() <= ControllerCommand.MEMBERS_MAX, "%d node ids", nodes.size());
        out.writeInt(nodes.size());
        for (NodeId node : nodes) {
            out.writeInt(node.value());
        }
    }

    /** Reads {@link #writeNodeIds} node ids. */
    public static List<NodeId> readNodeIds(DataInputStream in) throws IOException {
        int count = Binary.readCount(in, Integer.BYTES, ControllerCommand.MEMBERS_MAX);
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
