package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Binary forms of KV commands, operations and results: {@code [u8 version][fields]}, big-endian,
 * byte strings as {@code [i32 length][bytes]} ({@code -1} for null). Decoding throws {@link
 * IllegalArgumentException} for anything malformed; lengths are bounded before use.
 */
public final class KvCodec {
    private static final byte VERSION = 1;
    private static final int BYTES_MAX = KvOp.VALUE_BYTES_MAX + KvOp.KEY_BYTES_MAX;

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
                        default ->
                                throw new IllegalArgumentException("unknown command kind " + kind);
                    };
                });
    }

    /** A read request ({@link KvOp.Get}) as a query for the state machine. */
    public static byte[] encode(KvOp op) {
        return write(out -> writeOp(out, op));
    }

    public static KvOp decodeOp(byte[] bytes) {
        return read(bytes, KvCodec::readOp);
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
                        case 5 -> new KvResult.TooLarge(in.readUTF());
                        case 6 -> new KvResult.SessionExpired();
                        case 7 -> new KvResult.Malformed(in.readUTF());
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
            default -> throw new IllegalArgumentException("unknown operation kind " + kind);
        };
    }

    static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        Binary.writeBytes(out, bytes);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        return Binary.readBytes(in, BYTES_MAX);
    }

    static byte[] write(Binary.Writer writer) {
        return Binary.write(VERSION, writer);
    }

    static <T> T read(byte[] bytes, Binary.Reader<T> reader) {
        return Binary.read(VERSION, bytes, reader);
    }
}
