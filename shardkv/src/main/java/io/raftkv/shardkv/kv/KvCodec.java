package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.shardctrler.command.ControllerCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Binary forms of KV commands, queries and results: {@code [u8 version][fields]}, big-endian, byte
 * strings as {@code [i32 length][bytes]} ({@code -1} for null). Decoding throws {@link
 * IllegalArgumentException} for anything malformed; every length and count is checked against its
 * cap and the bytes left before use.
 */
public final class KvCodec {
    private static final byte VERSION = 1;
    private static final int BYTES_MAX = KvOp.VALUE_BYTES_MAX + KvOp.KEY_BYTES_MAX;
    private static final int CHUNK_ENTRIES_MAX = 1 << 24;

    /** The fewest bytes a chunk entry takes: two empty byte strings. */
    private static final int CHUNK_ENTRY_BYTES_MIN = 4 + 4;

    /** The bytes a shard's status takes: shard and status. */
    private static final int STATUS_ENTRY_BYTES = 4 + 1;

    private KvCodec() {}

    public static byte[] encode(KvCommand command) {
        return write(
                out -> {
                    switch (command) {
                        case KvCommand.Write write -> {
                            out.writeByte(1);
                            out.writeLong(write.clientId());
                            out.writeLong(write.sequence());
                            writeOp(out, write.op());
                        }
                        case KvCommand.RegisterSession register -> {
                            out.writeByte(2);
                            out.writeLong(register.clientId());
                            out.writeInt(register.shard());
                        }
                        case KvCommand.InstallConfig install -> {
                            out.writeByte(3);
                            ControllerCodec.writeConfig(out, install.config());
                        }
                        case KvCommand.InsertChunk insert -> {
                            out.writeByte(4);
                            out.writeLong(insert.configNumber());
                            out.writeInt(insert.shard());
                            writeChunk(out, insert.chunk());
                        }
                        case KvCommand.DeleteShard delete -> {
                            out.writeByte(5);
                            out.writeLong(delete.configNumber());
                            out.writeInt(delete.shard());
                        }
                        case KvCommand.ShardNotified notified -> {
                            out.writeByte(6);
                            out.writeLong(notified.configNumber());
                            out.writeInt(notified.shard());
                        }
                        case KvCommand.ReclaimShard reclaim -> {
                            out.writeByte(7);
                            out.writeLong(reclaim.configNumber());
                            out.writeInt(reclaim.shard());
                        }
                        case KvCommand.AbandonShard abandon -> {
                            out.writeByte(8);
                            out.writeLong(abandon.configNumber());
                            out.writeInt(abandon.shard());
                            out.writeBoolean(abandon.reclaimed());
                        }
                        case KvCommand.PullFrom pullFrom -> {
                            out.writeByte(9);
                            out.writeLong(pullFrom.configNumber());
                            out.writeInt(pullFrom.shard());
                            ControllerCodec.writeGroups(
                                    out,
                                    new TreeMap<>(Map.of(pullFrom.source(), pullFrom.members())));
                        }
                    }
                });
    }

    public static KvCommand decodeCommand(byte[] bytes) {
        return read(
                bytes,
                in -> {
                    byte kind = in.readByte();
                    return switch (kind) {
                        case 1 -> new KvCommand.Write(in.readLong(), in.readLong(), readOp(in));
                        case 2 -> new KvCommand.RegisterSession(in.readLong(), in.readInt());
                        case 3 -> new KvCommand.InstallConfig(ControllerCodec.readConfig(in));
                        case 4 ->
                                new KvCommand.InsertChunk(
                                        in.readLong(), in.readInt(), readChunk(in));
                        case 5 -> new KvCommand.DeleteShard(in.readLong(), in.readInt());
                        case 6 -> new KvCommand.ShardNotified(in.readLong(), in.readInt());
                        case 7 -> new KvCommand.ReclaimShard(in.readLong(), in.readInt());
                        case 8 ->
                                new KvCommand.AbandonShard(
                                        in.readLong(), in.readInt(), in.readBoolean());
                        case 9 -> readPullFrom(in);
                        default ->
                                throw new IllegalArgumentException("unknown command kind " + kind);
                    };
                });
    }

    /** {@code [i64 config][i32 shard][groups]}, the groups being exactly the source. */
    private static KvCommand.PullFrom readPullFrom(DataInputStream in) throws IOException {
        long configNumber = in.readLong();
        int shard = in.readInt();
        var groups = ControllerCodec.readGroups(in);
        Check.argument(groups.size() == 1, "a pull source is one group, not %d", groups.size());
        var source = groups.entrySet().iterator().next();
        return new KvCommand.PullFrom(configNumber, shard, source.getKey(), source.getValue());
    }

    public static byte[] encode(KvQuery query) {
        return write(
                out -> {
                    switch (query) {
                        case KvQuery.Read read -> {
                            out.writeByte(1);
                            writeOp(out, read.get());
                        }
                        case KvQuery.Pull pull -> {
                            out.writeByte(2);
                            out.writeLong(pull.configNumber());
                            out.writeInt(pull.shard());
                            writeBytes(out, pull.after() == null ? null : pull.after().bytes());
                            out.writeInt(pull.bytesMax());
                        }
                        case KvQuery.Status status -> out.writeByte(3);
                    }
                });
    }

    public static KvQuery decodeQuery(byte[] bytes) {
        return read(
                bytes,
                in -> {
                    byte kind = in.readByte();
                    return switch (kind) {
                        case 1 ->
                                readOp(in) instanceof KvOp.Get get
                                        ? new KvQuery.Read(get)
                                        : reject("only gets are queries");
                        case 2 ->
                                new KvQuery.Pull(
                                        in.readLong(), in.readInt(), readKey(in), in.readInt());
                        case 3 -> new KvQuery.Status();
                        default -> reject("unknown query kind " + kind);
                    };
                });
    }

    private static KvQuery reject(String reason) {
        throw new IllegalArgumentException(reason);
    }

    public static byte[] encode(KvResult result) {
        return write(
                out -> {
                    switch (result) {
                        case KvResult.Ok ok -> out.writeByte(1);
                        case KvResult.Value value -> {
                            out.writeByte(2);
                            writeBytes(out, value.value());
                        }
                        case KvResult.Swapped swapped -> {
                            out.writeByte(3);
                            out.writeBoolean(swapped.swapped());
                        }
                        case KvResult.WrongGroup wrong -> {
                            out.writeByte(4);
                            out.writeInt(wrong.shard());
                        }
                        case KvResult.TooLarge tooLarge -> {
                            out.writeByte(5);
                            out.writeUTF(tooLarge.reason());
                        }
                        case KvResult.SessionExpired expired -> out.writeByte(6);
                        case KvResult.Malformed malformed -> {
                            out.writeByte(7);
                            out.writeUTF(malformed.reason());
                        }
                        case KvResult.WrongConfig wrong -> {
                            out.writeByte(8);
                            out.writeLong(wrong.current());
                        }
                        case KvResult.Reclaimed reclaimed -> out.writeByte(12);
                        case KvResult.Chunk chunk -> {
                            out.writeByte(9);
                            writeChunk(out, chunk.chunk());
                        }
                        case KvResult.Unavailable unavailable -> {
                            out.writeByte(10);
                            out.writeUTF(unavailable.reason());
                        }
                        case KvResult.Unknown unknown -> {
                            out.writeByte(13);
                            out.writeUTF(unknown.reason());
                        }
                        case KvResult.Previous previous -> {
                            out.writeByte(14);
                            out.writeBoolean(previous.existed());
                            out.writeBoolean(previous.written());
                            writeBytes(out, previous.previous());
                        }
                        case KvResult.Number number -> {
                            out.writeByte(15);
                            out.writeLong(number.value());
                        }
                        case KvResult.NotANumber notANumber -> {
                            out.writeByte(16);
                            out.writeUTF(notANumber.reason());
                        }
                        case KvResult.Status status -> {
                            out.writeByte(11);
                            out.writeLong(status.configNumber());
                            out.writeInt(status.shards().size());
                            for (var entry : status.shards().entrySet()) {
                                out.writeInt(entry.getKey());
                                out.writeByte(entry.getValue().ordinal());
                            }
                        }
                    }
                });
    }

    public static KvResult decodeResult(byte[] bytes) {
        return read(
                bytes,
                in -> {
                    byte kind = in.readByte();
                    return switch (kind) {
                        case 1 -> new KvResult.Ok();
                        case 2 -> new KvResult.Value(readBytes(in));
                        case 3 -> new KvResult.Swapped(in.readBoolean());
                        case 4 -> new KvResult.WrongGroup(in.readInt());
                        case 5 -> new KvResult.TooLarge(readUtf(in));
                        case 6 -> new KvResult.SessionExpired();
                        case 7 -> new KvResult.Malformed(readUtf(in));
                        case 8 -> new KvResult.WrongConfig(in.readLong());
                        case 9 -> new KvResult.Chunk(readChunk(in));
                        case 10 -> new KvResult.Unavailable(readUtf(in));
                        case 11 -> readStatus(in);
                        case 12 -> new KvResult.Reclaimed();
                        case 13 -> new KvResult.Unknown(readUtf(in));
                        case 14 ->
                                new KvResult.Previous(
                                        readBoolean(in), readBoolean(in), readBytes(in));
                        case 15 -> new KvResult.Number(in.readLong());
                        case 16 -> new KvResult.NotANumber(readUtf(in));
                        default ->
                                throw new IllegalArgumentException("unknown result kind " + kind);
                    };
                });
    }

    private static void writeOp(DataOutputStream out, KvOp op) throws IOException {
        switch (op) {
            case KvOp.Get get -> {
                out.writeByte(1);
                writeBytes(out, get.key());
            }
            case KvOp.Put put -> {
                out.writeByte(2);
                writeBytes(out, put.key());
                writeBytes(out, put.value());
            }
            case KvOp.Append append -> {
                out.writeByte(3);
                writeBytes(out, append.key());
                writeBytes(out, append.value());
            }
            case KvOp.Delete delete -> {
                out.writeByte(4);
                writeBytes(out, delete.key());
            }
            case KvOp.CompareAndSet cas -> {
                out.writeByte(5);
                writeBytes(out, cas.key());
                writeBytes(out, cas.expected());
                writeBytes(out, cas.value());
            }
            case KvOp.SetIf set -> {
                out.writeByte(6);
                writeBytes(out, set.key());
                writeBytes(out, set.value());
                out.writeByte(set.condition().ordinal());
                out.writeBoolean(set.returnPrevious());
            }
            case KvOp.GetDelete delete -> {
                out.writeByte(7);
                writeBytes(out, delete.key());
                out.writeBoolean(delete.returnPrevious());
            }
            case KvOp.AppendLength append -> {
                out.writeByte(8);
                writeBytes(out, append.key());
                writeBytes(out, append.value());
            }
            case KvOp.IncrementBy increment -> {
                out.writeByte(9);
                writeBytes(out, increment.key());
                out.writeLong(increment.delta());
            }
        }
    }

    private static KvOp readOp(DataInputStream in) throws IOException {
        byte kind = in.readByte();
        return switch (kind) {
            case 1 -> new KvOp.Get(readBytes(in));
            case 2 -> new KvOp.Put(readBytes(in), readBytes(in));
            case 3 -> new KvOp.Append(readBytes(in), readBytes(in));
            case 4 -> new KvOp.Delete(readBytes(in));
            case 5 -> new KvOp.CompareAndSet(readBytes(in), readBytes(in), readBytes(in));
            case 6 ->
                    new KvOp.SetIf(
                            readBytes(in), readBytes(in), readCondition(in), readBoolean(in));
            case 7 -> new KvOp.GetDelete(readBytes(in), readBoolean(in));
            case 8 -> new KvOp.AppendLength(readBytes(in), readBytes(in));
            case 9 -> new KvOp.IncrementBy(readBytes(in), in.readLong());
            default -> throw new IllegalArgumentException("unknown operation kind " + kind);
        };
    }

    private static KvOp.Condition readCondition(DataInputStream in) throws IOException {
        int ordinal = in.readByte();
        KvOp.Condition[] conditions = KvOp.Condition.values();
        Check.argument(
                ordinal >= 0 && ordinal < conditions.length, "bad set condition %d", ordinal);
        return conditions[ordinal];
    }

    /** A boolean written as 0 or 1, and nothing else: so re-encoding gives the same bytes. */
    private static boolean readBoolean(DataInputStream in) throws IOException {
        int value = in.readByte();
        Check.argument(value == 0 || value == 1, "bad boolean %d", value);
        return value == 1;
    }

    private static void writeChunk(DataOutputStream out, ShardChunk chunk) throws IOException {
        writeBytes(out, chunk.after() == null ? null : chunk.after().bytes());
        out.writeInt(chunk.values().size());
        for (Map.Entry<Key, byte[]> entry : chunk.values()) {
            writeBytes(out, entry.getKey().bytes());
            writeBytes(out, entry.getValue());
        }
        out.writeBoolean(chunk.last());
        chunk.sessions().write(out);
    }

    private static ShardChunk readChunk(DataInputStream in) throws IOException {
        Key after = readKey(in);
        int count = Binary.readCount(in, CHUNK_ENTRY_BYTES_MIN, CHUNK_ENTRIES_MAX);
        List<Map.Entry<Key, byte[]>> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            Check.argument(key != null && value != null, "a null key or value in a chunk");
            values.add(Map.entry(new Key(key), value));
        }
        return new ShardChunk(after, values, in.readBoolean(), SessionTable.read(in));
    }

    private static KvResult.Status readStatus(DataInputStream in) throws IOException {
        long configNumber = in.readLong();
        int count = Binary.readCount(in, STATUS_ENTRY_BYTES, ControllerCodec.SHARDS_MAX);
        java.util.TreeMap<Integer, ShardStatus> shards = new java.util.TreeMap<>();
        ShardStatus[] statuses = ShardStatus.values();
        for (int i = 0; i < count; i++) {
            int shard = in.readInt();
            int status = in.readByte();
            if (status < 0 || status >= statuses.length) {
                throw new IllegalArgumentException("bad shard status " + status);
            }
            Check.argument(shards.put(shard, statuses[status]) == null, "shard %d twice", shard);
        }
        return new KvResult.Status(configNumber, shards);
    }

    private static Key readKey(DataInputStream in) throws IOException {
        byte[] bytes = readBytes(in);
        return bytes == null ? null : new Key(bytes);
    }

    static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        Binary.writeBytes(out, bytes);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        return Binary.readBytes(in, BYTES_MAX);
    }

    private static String readUtf(DataInputStream in) throws IOException {
        return Binary.readUtf(in, Binary.UTF_BYTES_MAX);
    }

    static byte[] write(Binary.Writer writer) {
        return Binary.write(VERSION, writer);
    }

    static <T> T read(byte[] bytes, Binary.Reader<T> reader) {
        return Binary.read(VERSION, bytes, reader);
    }
}
