package io.raftkv.common;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Plumbing for the hand-written binary formats of commands, results and snapshots: {@code [u8
 * version][fields]}, big-endian through {@link DataOutputStream}. Reading checks the version,
 * refuses trailing bytes, and turns truncation into {@link IllegalArgumentException}, the one
 * exception decoders throw for malformed input.
 *
 * <p>Every length and count is checked against the bytes left (and a per-type cap) before anything
 * is allocated for it, so a few bytes cannot make a decoder allocate much more than their size. The
 * readers here need the stream {@link #read} makes (over a byte array, so {@link
 * DataInputStream#available()} is the bytes left).
 */
public final class Binary {
    /** The longest string {@link DataOutputStream#writeUTF} writes, in encoded bytes. */
    public static final int UTF_BYTES_MAX = 65_535;

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
        } catch (EOFException e) {
            throw new IllegalArgumentException("truncated", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed: " + e.getMessage(), e);
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

    /**
     * Reads an {@code i32} count of elements that take at least {@code bytesEach} bytes each:
     * refused if negative, above {@code countMax}, or more than the bytes left can hold.
     */
    public static int readCount(DataInputStream in, int bytesEach, int countMax)
            throws IOException {
        int count = in.readInt();
        Check.argument(
                count >= 0 && count <= countMax && count <= in.available() / bytesEach,
                "bad count %d (at most %d, %d bytes left)",
                count,
                countMax,
                in.available());
        return count;
    }

    /**
     * Reads a {@link DataOutputStream#writeUTF} string of at most {@code bytesMax} encoded bytes.
     * NB: {@link DataInputStream#readUTF} sizes its buffers from the length before reading, so the
     * length is peeked and checked against the bytes left first.
     */
    public static String readUtf(DataInputStream in, int bytesMax) throws IOException {
        Check.that(in.markSupported(), "readUtf needs a stream that can peek");
        in.mark(Short.BYTES);
        int length = in.readUnsignedShort();
        Check.argument(
                length <= bytesMax && length <= in.available(), "bad string length %d", length);
        in.reset();
        return in.readUTF();
    }
}
