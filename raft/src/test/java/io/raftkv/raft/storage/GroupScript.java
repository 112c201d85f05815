package io.raftkv.raft.storage;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.host.GroupWrite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * One group's writes as a replica issues them: entries contiguous after the snapshot, a commit
 * index that never passes the last entry nor goes back, overwrites only above the commit index, a
 * local snapshot at or below the commit index, a leader's snapshot past it. Every write is
 * therefore valid for {@code StoredLog}, and a {@code MemoryStorage} fed the same writes is an
 * oracle for the WAL. Snapshot data is a function of (group, index, term), as a real state
 * machine's image at an index is.
 */
final class GroupScript {
    static final Membership VOTERS = Membership.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));

    private final GroupId group;

    /** Term of the snapshot index (key 0 with term 0 when there is none) and each stored entry. */
    private final TreeMap<Long, Long> termAt = new TreeMap<>();

    private long term = 1;
    private long commitIndex;
    private long snapshotIndex;

    GroupScript(GroupId group) {
        this.group = group;
        termAt.put(0L, 0L);
    }

    GroupId group() {
        return group;
    }

    long lastIndex() {
        return termAt.lastKey();
    }

    long commitIndex() {
        return commitIndex;
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    /** The lowest index an overwrite may start at: past the commit index and the snapshot. */
    long firstOverwritableIndex() {
        return Math.max(commitIndex, snapshotIndex) + 1;
    }

    // ---------------------------------------------------------------- whole writes

    /** {@code count} new entries of {@code dataBytes} each, and a hard state committing them. */
    GroupWrite append(int count, int dataBytes) {
        List<Entry> entries = entriesFrom(lastIndex() + 1, count, at -> pattern(at, dataBytes));
        return write(Optional.of(commitTo(lastIndex())), Optional.empty(), false, entries);
    }

    /** {@code count} new entries of {@code dataBytes} each and no hard state: a single record. */
    GroupWrite appendUncommitted(int count, int dataBytes) {
        List<Entry> entries = entriesFrom(lastIndex() + 1, count, at -> pattern(at, dataBytes));
        return write(Optional.empty(), Optional.empty(), false, entries);
    }

    /** New entries that replace the stored ones from {@code fromIndex} on, in a new term. */
    GroupWrite overwrite(long fromIndex, int count) {
        List<Entry> entries = entriesFrom(fromIndex, count, at -> pattern(at, 7));
        return write(Optional.of(hardState()), Optional.empty(), false, entries);
    }

    /** A local snapshot at the commit index, then {@code count} new entries committed. */
    GroupWrite snapshotThenAppend(int count, int dataBytes) {
        Snapshot snapshot = localSnapshotAt(commitIndex);
        List<Entry> entries = entriesFrom(lastIndex() + 1, count, at -> pattern(at, dataBytes));
        return write(Optional.of(commitTo(lastIndex())), Optional.of(snapshot), false, entries);
    }

    /** Only a local snapshot at {@code index} (at most the commit index). */
    GroupWrite localSnapshot(long index) {
        return write(Optional.empty(), Optional.of(localSnapshotAt(index)), false, List.of());
    }

    /** A leader's snapshot at {@code index} that replaces the log, then {@code count} entries. */
    GroupWrite leaderSnapshot(long index, int count) {
        Snapshot snapshot = leaderSnapshotAt(index);
        List<Entry> entries = entriesFrom(index + 1, count, at -> pattern(at, 3));
        return write(Optional.of(hardState()), Optional.of(snapshot), true, entries);
    }

    /** Only a hard state: a new term, as after a vote. */
    GroupWrite vote() {
        term++;
        return write(Optional.of(hardState()), Optional.empty(), false, List.of());
    }

    // ---------------------------------------------------------------- pieces

    /**
     * Entries {@code fromIndex..} (replacing stored ones from there, in a new term if any is
     * replaced), each with the data {@code data} gives for its index.
     */
    List<Entry> entriesFrom(long fromIndex, int count, LongFunction<byte[]> data) {
        Check.argument(
                fromIndex >= firstOverwritableIndex() && fromIndex <= lastIndex() + 1,
                "%s: entries from %d would overwrite committed ones or leave a gap",
                group,
                fromIndex);
        if (fromIndex <= lastIndex()) {
            term++;
            termAt.tailMap(fromIndex, true).clear();
        }
        List<Entry> entries = new ArrayList<>();
        for (long index = fromIndex; index < fromIndex + count; index++) {
            entries.add(Entry.command(index, term, data.apply(index)));
            termAt.put(index, term);
        }
        return entries;
    }

    HardState commitTo(long index) {
        Check.argument(index >= commitIndex && index <= lastIndex(), "bad commit %d", index);
        commitIndex = index;
        return hardState();
    }

    HardState hardState() {
        return new HardState(term, Optional.of(NodeId.of(1 + group.value() % 3)), commitIndex);
    }

    Snapshot localSnapshotAt(long index) {
        Check.argument(
                index > snapshotIndex && index <= commitIndex, "bad local snapshot %d", index);
        long snapshotTerm = termAt.get(index);
        termAt.headMap(index, false).clear();
        snapshotIndex = index;
        return snapshot(group, index, snapshotTerm);
    }

    Snapshot leaderSnapshotAt(long index) {
        Check.argument(index > commitIndex, "a leader's snapshot is past the commit index");
        termAt.clear();
        termAt.put(index, term);
        snapshotIndex = index;
        commitIndex = index;
        return snapshot(group, index, term);
    }

    GroupWrite write(
            Optional<HardState> hardState,
            Optional<Snapshot> snapshot,
            boolean replacesLog,
            List<Entry> entries) {
        return new GroupWrite(group, hardState, snapshot, replacesLog, entries, true);
    }

    /** The image a state machine would have of {@code group} at {@code index}. */
    static Snapshot snapshot(GroupId group, long index, long term) {
        byte[] data =
                "image of %s at %d/%d"
                        .formatted(group, index, term)
                        .getBytes(StandardCharsets.UTF_8);
        return new Snapshot(new SnapshotMeta(index, term, VOTERS), data);
    }

    /** Entry data that differs from index to index, so a misplaced entry never compares equal. */
    static byte[] pattern(long index, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (index * 31 + i + 1);
        }
        return bytes;
    }
}
