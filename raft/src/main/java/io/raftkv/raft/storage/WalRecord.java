package io.raftkv.raft.storage;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.SnapshotMeta;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The records of the write-ahead log and their binary form.
 *
 * <p>Framing: {@code [i32 bodyLength][i32 crc32c(body)][body]}; body: {@code [u8 version][u8
 * kind][i32 group][fields...]}, big-endian. A record is one group's entries, hard state, snapshot
 * marker (the data lives in a snapshot file) or removal.
 */
sealed interface WalRecord {
    /** Written now; version 1 differs only in its snapshot markers, which had no learners. */
    byte VERSION = 2;

    /** The oldest version still read. */
    byte VERSION_WITHOUT_LEARNERS = 1;

    int HEADER_BYTES = 8;

    GroupId group();

    /** Entries that replace the group's stored entries at the same or later indexes. */
    record Entries(GroupId group, List<Entry> entries) implements WalRecord {}

    record HardStateRecord(GroupId group, HardState hardState) implements WalRecord {}

    /**
     * Entries and the hard state that goes with them, in one record: half the framing of writing
     * them apart, and a torn write cannot keep the hard state without its entries.
     */
    record EntriesWithHardState(GroupId group, List<Entry> entries, HardState hardState)
            implements WalRecord {}

    /**
     * The group's snapshot is now {@code meta}, whose data is in its snapshot file. With {@code
     * replacesLog} every stored entry of the group is dropped, else those it covers.
     */
    record SnapshotMarker(GroupId group, SnapshotMeta meta, boolean replacesLog)
            implements WalRecord {}

    /** Everything stored for the group is deleted. */
    record GroupRemoved(GroupId group) implements WalRecord {}

    /** The body's size in bytes, without framing. */
    static int bodyBytes(WalRecord record) {
        int fixed = 6;
        return fixed
                + switch (record) {
                    case Entries entries -> {
                        int bytes = 4;
                        for (Entry entry : entries.entries()) {
                            bytes += entryBytes(entry);
                        }
                        yield bytes;
                    }
                    case HardStateRecord ignored -> 20;
                    case EntriesWithHardState both -> {
                        int bytes = 4 + 20;
                        for (Entry entry : both.entries()) {
                            bytes += entryBytes(entry);
                        }
                        yield bytes;
                    }
                    case SnapshotMarker marker ->
                            25
                                    + 4 * marker.meta().membership().voters().size()
                                    + 4 * marker.meta().membership().learners().size();
                    case GroupRemoved ignored -> 0;
                };
    }

    /** The bytes one entry takes in an {@link Entries} record. */
    static int entryBytes(Entry entry) {
        return 21 + entry.data().length;
    }

    /** Writes the body of {@code record} into {@code out}. */
    static void writeBody(WalRecord record, ByteBuffer out) {
        out.put(VERSION);
        out.put(kind(record));
        out.putInt(record.group().value());
        switch (record) {
            case Entries entries -> writeEntries(entries.entries(), out);
            case HardStateRecord state -> writeHardState(state.hardState(), out);
            case EntriesWithHardState both -> {
                writeEntries(both.entries(), out);
                writeHardState(both.hardState(), out);
            }
            case SnapshotMarker marker -> {
                out.putLong(marker.meta().index()).putLong(marker.meta().term());
                out.put((byte) (marker.replacesLog() ? 1 : 0));
                writeIds(marker.meta().membership().voters(), out);
                writeIds(marker.meta().membership().learners(), out);
            }
            case GroupRemoved ignored -> {}
        }
    }

    private static void writeEntries(List<Entry> entries, ByteBuffer out) {
        out.putInt(entries.size());
        for (Entry entry : entries) {
            out.putLong(entry.index()).putLong(entry.term());
            out.put((byte) entry.type().ordinal());
            out.putInt(entry.data().length).put(entry.data());
        }
    }

    private static void writeIds(List<NodeId> ids, ByteBuffer out) {
        out.putInt(ids.size());
        ids.forEach(id -> out.putInt(id.value()));
    }

    private static void writeHardState(HardState state, ByteBuffer out) {
        out.putLong(state.term());
        out.putInt(state.votedFor().map(NodeId::value).orElse(0));
        out.putLong(state.commitIndex());
    }

    private static byte kind(WalRecord record) {
        return switch (record) {
            case Entries ignored -> 1;
            case HardStateRecord ignored -> 2;
            case SnapshotMarker ignored -> 3;
            case GroupRemoved ignored -> 4;
            case EntriesWithHardState ignored -> 5;
        };
    }

    /**
     * Reads a body written by {@link #writeBody}. Throws {@link IllegalArgumentException} if it is
     * malformed (the caller has already checked its CRC, so that means a bug or a new version).
     * Every count is checked against the bytes left before anything is allocated for it.
     */
    static WalRecord readBody(ByteBuffer in) {
        try {
            return readFields(in);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record body ends early", e);
        }
    }

    private static WalRecord readFields(ByteBuffer in) {
        byte version = in.get();
        Check.argument(
                version == VERSION || version == VERSION_WITHOUT_LEARNERS,
                "unknown record version %d",
                version);
        byte kind = in.get();
        GroupId group = GroupId.of(in.getInt());
        WalRecord record =
                switch (kind) {
                    case 1 -> new Entries(group, readEntries(in));
                    case 2 -> new HardStateRecord(group, readHardState(in));
                    case 3 -> readSnapshotMarker(group, in, version != VERSION_WITHOUT_LEARNERS);
                    case 4 -> new GroupRemoved(group);
                    case 5 -> new EntriesWithHardState(group, readEntries(in), readHardState(in));
                    default -> throw new IllegalArgumentException("unknown record kind " + kind);
                };
        Check.argument(!in.hasRemaining(), "%d trailing bytes in a record", in.remaining());
        return record;
    }

    private static List<Entry> readEntries(ByteBuffer in) {
        int count = in.getInt();
        Check.argument(count >= 0 && count <= in.remaining() / 21, "bad entry count %d", count);
        List<Entry> entries = new ArrayList<>(count);
        EntryType[] types = EntryType.values();
        for (int i = 0; i < count; i++) {
            long index = in.getLong();
            long term = in.getLong();
            int type = in.get();
            Check.argument(type >= 0 && type < types.length, "bad entry type %d", type);
            int length = in.getInt();
            Check.argument(length >= 0 && length <= in.remaining(), "bad entry length %d", length);
            byte[] data = new byte[length];
            in.get(data);
            entries.add(new Entry(index, term, types[type], data));
        }
        return entries;
    }

    private static HardState readHardState(ByteBuffer in) {
        long term = in.getLong();
        int votedFor = in.getInt();
        long commit = in.getLong();
        return new HardState(
                term, votedFor == 0 ? Optional.empty() : Optional.of(NodeId.of(votedFor)), commit);
    }

    private static SnapshotMarker readSnapshotMarker(
            GroupId group, ByteBuffer in, boolean withLearners) {
        long index = in.getLong();
        long term = in.getLong();
        byte replacesLog = in.get();
        Check.argument(replacesLog == 0 || replacesLog == 1, "bad flag %d", replacesLog);
        List<NodeId> voters = Membership.readIds(in);
        List<NodeId> learners = withLearners ? Membership.readIds(in) : List.of();
        return new SnapshotMarker(
                group,
                new SnapshotMeta(index, term, new Membership(voters, learners)),
                replacesLog == 1);
    }
}
