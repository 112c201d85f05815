package io.raftkv.common;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Plumbing for the hand-written binary formats of commands, results and snapshots: {@code [u8
 * version][fields]}, big-endian through {@link DataOutputStream}. Reading checks the version,
 * refuses trailing bytes, and turns truncation into {@link IllegalArgumentException}, the one
 * exception decoders throw for malformed input.
 */
public final class Binary {
    private Binary() {}

    /** Writes fields into a byte array. */
    @FunctionalInterface
    public interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads fields from a stream. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** {@code version}, then what {@code writer} writes. */
    public static byte[] write(byte version, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /** Reads {@code bytes} whole with {@code reader}, after checking the version byte. */
    public static <T> T read(byte version, byte[] bytes, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte found = in.readByte();
            Check.argument(found == version, "unknown encoding version %d", found);
            T value = reader.read(in);
            Check.argument(in.available() == 0, "%d trailing bytes", in.available());
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated: " + e, e);
        }
    }

    /** A byte string as {@code [i32 length][bytes]}, length -1 for null. */
    public static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads a {@link #writeBytes} string of at most {@code bytesMax} bytes. */
    public static byte[] readBytes(DataInputStream in, int bytesMax) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        Check.argument(
                length >= 0 && length <= bytesMax && length <= in.available(),
                "bad byte string length %d",
                length);
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
