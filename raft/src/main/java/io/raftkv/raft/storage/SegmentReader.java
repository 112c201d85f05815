package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Reads one WAL segment at recovery.
 *
 * <p>A damaged record in the last segment with no valid record after it is a torn tail: the node
 * crashed while writing it, so it was never synced nor acknowledged, and it is cut off. Any other
 * damage is corruption: synced data follows it, so the disk lost data, and recovery stops with the
 * file and offset.
 */
final class SegmentReader {
    static final byte[] MAGIC = {'R', 'K', 'V', 'W', 'A', 'L', 0, 1};

    /** How much of the segment is valid, and whether a torn tail follows it. */
    record Result(long validBytes, boolean tornTail) {}

    private SegmentReader() {}

    static Result read(
            Disk disk, Path file, boolean last, int recordBytesMax, Consumer<WalRecord> sink)
            throws IOException {
        return read(file, WholeFile.read(disk, file), last, recordBytesMax, sink);
    }

    /**
     * Reads {@code segment}, the bytes of {@code file}, handing each record to {@code sink}. Throws
     * {@link WalCorruptionException} for damage other than a torn tail of the last segment.
     */
    static Result read(
            Path file, byte[] segment, boolean last, int recordBytesMax, Consumer<WalRecord> sink)
            throws WalCorruptionException {
        ByteBuffer bytes = ByteBuffer.wrap(segment);
        if (bytes.remaining() < MAGIC.length || !hasMagic(bytes)) {
            if (last && bytes.remaining() < MAGIC.length) {
                return new Result(0, true);
            }
            throw new WalCorruptionException(file, 0, "not a raftkv WAL segment");
        }
        bytes.position(MAGIC.length);
        while (bytes.hasRemaining()) {
            int start = bytes.position();
            String problem = checkRecord(bytes, recordBytesMax);
            if (problem != null) {
                if (last && !anyValidRecordAfter(bytes, start, recordBytesMax)) {
                    return new Result(start, true);
                }
                throw new WalCorruptionException(file, start, problem);
            }
            int length = bytes.getInt(start);
            ByteBuffer body = bytes.slice(start + WalRecord.HEADER_BYTES, length);
            try {
                sink.accept(WalRecord.readBody(body));
            } catch (RuntimeException malformed) {
                throw new WalCorruptionException(
                        file, start, "malformed record: " + malformed.getMessage());
            }
            bytes.position(start + WalRecord.HEADER_BYTES + length);
        }
        return new Result(bytes.position(), false);
    }

    private static boolean hasMagic(ByteBuffer bytes) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Null if a whole, valid record starts at the buffer's position; else what is wrong. */
    private static String checkRecord(ByteBuffer bytes, int recordBytesMax) {
        int start = bytes.position();
        if (bytes.remaining() < WalRecord.HEADER_BYTES) {
            return "partial record header";
        }
        int length = bytes.getInt(start);
        if (length <= 0 || length > recordBytesMax) {
            return "impossible record length " + length;
        }
        if (length > bytes.remaining() - WalRecord.HEADER_BYTES) {
            return "record runs past the end of the file";
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.slice(start + WalRecord.HEADER_BYTES, length));
        return (int) crc.getValue() == bytes.getInt(start + 4) ? null : "checksum mismatch";
    }

    /**
     * Whether a whole, valid record starts anywhere after the damage at {@code start}. If none
     * does, the damage can be a torn last write; if one does, synced data follows it, so it is
     * corruption. (Scanning from the damage finds the next record boundary quickly when there is
     * one; a torn tail is short.)
     */
    private static boolean anyValidRecordAfter(ByteBuffer bytes, int start, int recordBytesMax) {
        for (int offset = start + 1; offset <= bytes.limit() - WalRecord.HEADER_BYTES; offset++) {
            bytes.position(offset);
            if (checkRecord(bytes, recordBytesMax) == null) {
                return true;
            }
        }
        return false;
    }
}
