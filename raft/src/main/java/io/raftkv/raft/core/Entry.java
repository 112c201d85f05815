package io.raftkv.raft.core;

import io.raftkv.common.Check;
import java.util.Arrays;

/**
 * One log entry. Indexes are 1-based positions in the log; index 0 with term 0 is the empty log's
 * sentinel and never stored.
 *
 * @param index the entry's log position, at least 1
 * @param term the leader term that created it, at least 1
 * @param type a command for the state machine, a leader's no-op, or a membership change
 * @param data the command bytes (empty for a no-op); never modified after construction
 */
public record Entry(long index, long term, EntryType type, byte[] data) {
    /** Bytes of overhead counted per entry when bounding messages and batches. */
    public static final int OVERHEAD_BYTES = 24;

    public Entry {
        Check.argument(index >= 1, "entry index must be at least 1, got %d", index);
        Check.argument(term >= 1, "entry term must be at least 1, got %d", term);
        Check.argument(type != null && data != null, "entry type and data must be set");
    }

    /** A command entry. */
    public static Entry command(long index, long term, byte[] data) {
        return new Entry(index, term, EntryType.COMMAND, data);
    }

    /** The no-op a new leader appends to commit entries of earlier terms (Raft section 5.4.2). */
    public static Entry noop(long index, long term) {
        return new Entry(index, term, EntryType.NOOP, new byte[0]);
    }

    /** A membership change (Raft thesis section 4.1), effective once appended. */
    public static Entry membership(long index, long term, Membership membership) {
        return new Entry(index, term, EntryType.MEMBERSHIP, membership.encode());
    }

    /** The size this entry counts for in message and batch limits. */
    public long sizeBytes() {
        return OVERHEAD_BYTES + data.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Entry that
                && index == that.index
                && term == that.term
                && type == that.type
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Long.hashCode(term) * 17 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return switch (type) {
            case NOOP -> "%d/%d:noop".formatted(index, term);
            case MEMBERSHIP -> "%d/%d:membership".formatted(index, term);
            case COMMAND -> "%d/%d:%dB".formatted(index, term, data.length);
        };
    }
}
