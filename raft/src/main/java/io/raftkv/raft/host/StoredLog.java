package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One group's stored Raft state, with the write semantics every {@link RaftStorage} shares: a
 * snapshot drops the entries it covers (all of them when it replaces the log), and entries replace
 * stored ones at the same or later indexes. Not thread-safe.
 */
public final class StoredLog {
    private HardState hardState = HardState.EMPTY;
    private Optional<Snapshot> snapshot = Optional.empty();
    private final ArrayList<Entry> entries = new ArrayList<>();

    /** Applies one write. */
    public void apply(GroupWrite write) {
        write.hardState().ifPresent(state -> hardState = state);
        write.snapshot()
                .ifPresent(
                        newSnapshot -> installSnapshot(newSnapshot, write.snapshotReplacesLog()));
        write.entries().forEach(this::appendEntry);
    }

    private void installSnapshot(Snapshot newSnapshot, boolean replacesLog) {
        if (snapshot.isPresent() && snapshot.get().index() >= newSnapshot.index() && !replacesLog) {
            return;
        }
        snapshot = Optional.of(newSnapshot);
        if (replacesLog) {
            entries.clear();
        } else {
            entries.removeIf(entry -> entry.index() <= newSnapshot.index());
        }
    }

    private void appendEntry(Entry entry) {
        long first = firstIndex();
        if (entry.index() < first) {
            return; // covered by the snapshot
        }
        int position = (int) (entry.index() - first);
        Check.that(
                position <= entries.size(),
                "stored log has a gap before entry %s (next is %d)",
                entry,
                first + entries.size());
        entries.subList(position, entries.size()).clear();
        entries.add(entry);
    }

    private long firstIndex() {
        return snapshot.map(Snapshot::index).orElse(0L) + 1;
    }

    /** The stored hard state. */
    public HardState hardState() {
        return hardState;
    }

    /** The index of the last stored entry, or the snapshot's if the log has none. */
    public long lastIndex() {
        return entries.isEmpty() ? firstIndex() - 1 : entries.getLast().index();
    }

    public PersistedState state() {
        return new PersistedState(hardState, snapshot, List.copyOf(entries));
    }

    /** Bytes of stored Raft state without the snapshot (the lab's RaftStateSize). */
    public long stateBytes() {
        long bytes = 32;
        for (Entry entry : entries) {
            bytes += entry.sizeBytes();
        }
        return bytes;
    }

    public long snapshotBytes() {
        return snapshot.map(stored -> (long) stored.data().length).orElse(0L);
    }
}
