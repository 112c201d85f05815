package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.PlantedBugs;
import java.util.ArrayList;
import java.util.List;

/**
 * A replica's view of its log: a snapshot prefix, then the entries after it, some persisted and the
 * rest not yet.
 *
 * <p>Invariants: {@code snapshotIndex <= appliedIndex <= commitIndex <= lastIndex()}; {@code
 * snapshotIndex <= persistedIndex <= lastIndex()}; the entry at list position i has index {@code
 * snapshotIndex + 1 + i}; terms never decrease along the log.
 */
final class RaftLog {
    private long snapshotIndex;
    private long snapshotTerm;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long persistedIndex;
    private long commitIndex;
    private long appliedIndex;

    /** The sum of {@link Entry#sizeBytes()} over {@code entries}. */
    private long entryBytes;

    /** A log recovered from storage: everything handed in is already persisted. */
    RaftLog(SnapshotMeta snapshot, List<Entry> persisted, long commitIndex) {
        this.snapshotIndex = snapshot.index();
        this.snapshotTerm = snapshot.term();
        for (Entry entry : persisted) {
            appendOne(entry);
        }
        this.persistedIndex = lastIndex();
        Check.that(
                commitIndex <= lastIndex(),
                "commit index %d is past the last index %d",
                commitIndex,
                lastIndex());
        this.commitIndex = Math.max(commitIndex, snapshotIndex);
        this.appliedIndex = snapshotIndex;
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    long snapshotTerm() {
        return snapshotTerm;
    }

    long firstIndex() {
        return snapshotIndex + 1;
    }

    long lastIndex() {
        return snapshotIndex + entries.size();
    }

    long lastTerm() {
        return entries.isEmpty() ? snapshotTerm : entries.getLast().term();
    }

    long persistedIndex() {
        return persistedIndex;
    }

    long commitIndex() {
        return commitIndex;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /** The term at {@code index}, or -1 if it is compacted away or past the end. */
    long term(long index) {
        if (index == snapshotIndex) {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > lastIndex()) {
            return -1;
        }
        return entry(index).term();
    }

    boolean matchTerm(long index, long term) {
        return term(index) == term;
    }

    /**
     * Whether a log ending at (lastIndex, lastTerm) is at least as up to date as this one (5.4.1).
     */
    boolean isUpToDate(long otherLastIndex, long otherLastTerm) {
        return otherLastTerm > lastTerm()
                || (otherLastTerm == lastTerm() && otherLastIndex >= lastIndex());
    }

    Entry entry(long index) {
        Check.that(
                index > snapshotIndex && index <= lastIndex(),
                "index %d outside the log (%d, %d]",
                index,
                snapshotIndex,
                lastIndex());
        return entries.get((int) (index - snapshotIndex - 1));
    }

    /** Appends one new entry at the end (a leader's proposal or no-op). */
    void appendOne(Entry entry) {
        Check.that(
                entry.index() == lastIndex() + 1,
                "entry %s does not follow %d",
                entry,
                lastIndex());
        Check.that(entry.term() >= lastTerm(), "entry %s goes back in term", entry);
        entries.add(entry);
        entryBytes += entry.sizeBytes();
    }

    /**
     * Merges a leader's entries that follow a matching prevLogIndex: entries already present with
     * the same term are kept, the first conflicting one and everything after it are replaced (Raft
     * section 5.3). Returns the index of the last entry given.
     */
    long appendFromLeader(long prevLogIndex, List<Entry> incoming) {
        for (Entry entry : incoming) {
            if (entry.index() <= snapshotIndex) {
                continue;
            }
            if (entry.index() <= lastIndex()) {
                if (term(entry.index()) == entry.term()) {
                    continue;
                }
                Check.that(
                        entry.index() > commitIndex,
                        "leader conflicts with committed entry %d",
                        entry.index());
                truncateFrom(entry.index());
            }
            appendOne(entry);
        }
        long lastNew = prevLogIndex + incoming.size();
        if (PlantedBugs.planted(RaftBug.TRUNCATE_COMMITTED)
                && lastNew < lastIndex()
                && lastNew >= snapshotIndex) {
            truncateFrom(lastNew + 1);
        }
        return lastNew;
    }

    private void truncateFrom(long index) {
        dropRange((int) (index - snapshotIndex - 1), entries.size());
        persistedIndex = Math.min(persistedIndex, index - 1);
    }

    /**
     * Entries in [from, to], at most {@code countMax} of them and, past the first, at most {@code
     * bytesMax} bytes in all.
     */
    List<Entry> slice(long from, long to, int countMax, long bytesMax) {
        Check.that(from > snapshotIndex, "slice from %d reaches into the snapshot", from);
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        for (long index = from; index <= Math.min(to, lastIndex()); index++) {
            Entry entry = entry(index);
            bytes += entry.sizeBytes();
            if (result.size() >= countMax || (!result.isEmpty() && bytes > bytesMax)) {
                break;
            }
            result.add(entry);
        }
        return result;
    }

    /** The entries not yet persisted. */
    List<Entry> unpersisted() {
        return List.copyOf(entries.subList((int) (persistedIndex - snapshotIndex), entries.size()));
    }

    /** Records that entries up to {@code index} are durable. */
    void persistedTo(long index) {
        Check.that(index <= lastIndex(), "persisted %d past the last index %d", index, lastIndex());
        persistedIndex = Math.max(persistedIndex, index);
    }

    void commitTo(long index) {
        if (index <= commitIndex) {
            return;
        }
        Check.that(index <= lastIndex(), "commit %d past the last index %d", index, lastIndex());
        commitIndex = index;
    }

    void appliedTo(long index) {
        Check.that(
                index >= appliedIndex && index <= commitIndex,
                "applied %d outside [%d, %d]",
                index,
                appliedIndex,
                commitIndex);
        appliedIndex = index;
    }

    /** The first index of the term held at {@code index} (for conflict hints). */
    long firstIndexOfTerm(long index) {
        long term = term(index);
        long first = index;
        while (first - 1 > snapshotIndex && term(first - 1) == term) {
            first--;
        }
        return first;
    }

    /** The last index holding {@code term}, or -1 if this log has no entry of that term. */
    long lastIndexOfTerm(long term) {
        for (long index = lastIndex(); index > snapshotIndex; index--) {
            long found = term(index);
            if (found == term) {
                return index;
            }
            if (found < term) {
                return -1;
            }
        }
        return snapshotTerm == term ? snapshotIndex : -1;
    }

    /** Drops the entries a local snapshot at {@code index} covers. */
    void compactTo(long index) {
        Check.that(
                index > snapshotIndex && index <= appliedIndex,
                "compact to %d outside (%d, applied %d]",
                index,
                snapshotIndex,
                appliedIndex);
        long term = term(index);
        dropRange(0, (int) (index - snapshotIndex));
        snapshotIndex = index;
        snapshotTerm = term;
        persistedIndex = Math.max(persistedIndex, index);
    }

    /** Replaces the whole log with a snapshot received from the leader. */
    void restore(SnapshotMeta meta) {
        Check.that(meta.index() > commitIndex, "restore of %s below commit %d", meta, commitIndex);
        dropRange(0, entries.size());
        snapshotIndex = meta.index();
        snapshotTerm = meta.term();
        persistedIndex = snapshotIndex;
        commitIndex = snapshotIndex;
        appliedIndex = snapshotIndex;
    }

    private void dropRange(int fromPosition, int toPosition) {
        List<Entry> dropped = entries.subList(fromPosition, toPosition);
        for (Entry entry : dropped) {
            entryBytes -= entry.sizeBytes();
        }
        dropped.clear();
    }

    /** The bytes of entries after the snapshot, as counted for snapshot triggers. */
    long bytesAfterSnapshot() {
        return entryBytes;
    }

    /** The number of entries after the snapshot. */
    int entryCount() {
        return entries.size();
    }
}
