package io.raftkv.shardkv.redis;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes {@link RespReply}s in RESP2 or RESP3 (the protocol a connection chose with {@code HELLO}).
 * Stateless.
 */
public final class RespEncoder {
    private static final byte[] CRLF = {'\r', '\n'};

    private RespEncoder() {}

    /** Writes {@code reply} to {@code out} in protocol {@code version} (2 or 3). */
    public static void write(RespReply reply, int version, ByteBuf out) {
        switch (reply) {
            case RespReply.Simple simple -> writeLine(out, '+', simple.text());
            case RespReply.Error error -> writeLine(out, '-', error.text());
            case RespReply.Number number -> writeLine(out, ':', Long.toString(number.value()));
            case RespReply.Bulk bulk -> writeBulk(out, bulk.bytes());
            case RespReply.Nil nil -> out.writeBytes(version >= 3 ? NULL3 : NULL_BULK2);
            case RespReply.Array array -> {
                writeArrayHeader(out, array.items().size());
                array.items().forEach(item -> write(item, version, out));
            }
            case RespReply.KeyValues map -> {
                if (version >= 3) {
                    writeLine(out, '%', Integer.toString(map.keysAndValues().size() / 2));
                } else {
                    writeArrayHeader(out, map.keysAndValues().size());
                }
                map.keysAndValues().forEach(item -> write(item, version, out));
            }
        }
    }

    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_BULK2 = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);

    static void writeArrayHeader(ByteBuf out, int count) {
        writeLine(out, '*', Integer.toString(count));
    }

    static void writeBulk(ByteBuf out, byte[] bytes) {
        writeLine(out, '$', Integer.toString(bytes.length));
        out.writeBytes(bytes);
        out.writeBytes(CRLF);
    }

    private static void writeLine(ByteBuf out, char kind, String text) {
        out.writeByte(kind);
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        out.writeBytes(CRLF);
    }
}
