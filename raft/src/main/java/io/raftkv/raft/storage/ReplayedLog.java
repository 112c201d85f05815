package io.raftkv.raft.storage;

import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One group's state as recovery replays its records, oldest first.
 *
 * <p>Unlike a live log, a replayed one may meet gaps: when an old segment is deleted, the entries
 * it held are covered by a snapshot whose marker may only come later in the replay. So a gap is
 * noted ({@code missingUpTo}) instead of refused, and checked at the end: the final snapshot must
 * cover it, or entries the log promised are gone.
 */
final class ReplayedLog {
    private HardState hardState = HardState.EMPTY;
    private Optional<SnapshotMeta> snapshot = Optional.empty();

    /** The index of {@code entries.get(0)}, or where the next entry would start. */
    private long firstIndex = 1;

    private final ArrayList<Entry> entries = new ArrayList<>();
    private long missingUpTo;

    void hardState(HardState state) {
        hardState = state;
    }

    void entries(List<Entry> written) {
        for (Entry entry : written) {
            append(entry);
        }
    }

    private void append(Entry entry) {
        if (entry.index() <= snapshotIndex()) {
            return;
        }
        long next = firstIndex + entries.size();
        if (entry.index() > next) {
            missingUpTo = Math.max(missingUpTo, entry.index() - 1);
            restartAt(entry.index());
        } else if (entry.index() < firstIndex) {
            missingUpTo = Math.min(missingUpTo, entry.index() - 1);
            restartAt(entry.index());
        } else {
            entries.subList((int) (entry.index() - firstIndex), entries.size()).clear();
        }
        entries.add(entry);
    }

    private void restartAt(long index) {
        entries.clear();
        firstIndex = index;
    }

    /**
     * A snapshot marker; an older one that does not replace the log is ignored, as in StoredLog.
     */
    void snapshot(SnapshotMeta meta, boolean replacesLog) {
        if (!replacesLog && meta.index() <= snapshotIndex()) {
            return;
        }
        snapshot = Optional.of(meta);
        if (replacesLog || entries.isEmpty() || meta.index() >= firstIndex + entries.size() - 1) {
            restartAt(meta.index() + 1);
        } else if (meta.index() >= firstIndex) {
            entries.subList(0, (int) (meta.index() - firstIndex + 1)).clear();
            firstIndex = meta.index() + 1;
        }
        if (replacesLog) {
            missingUpTo = 0;
        }
    }

    private long snapshotIndex() {
        return snapshot.map(SnapshotMeta::index).orElse(0L);
    }

    /** A description of what is missing, if the log has a hole its snapshot does not cover. */
    Optional<String> problem() {
        long covered = snapshotIndex();
        if (missingUpTo > covered) {
            return Optional.of(
                    "entries up to %d are missing and no snapshot covers them (snapshot at %d)"
                            .formatted(missingUpTo, covered));
        }
        if (!entries.isEmpty() && firstIndex > covered + 1) {
            return Optional.of(
                    "entries %d to %d are missing".formatted(covered + 1, firstIndex - 1));
        }
        return Optional.empty();
    }

    Optional<SnapshotMeta> snapshotMeta() {
        return snapshot;
    }

    /** The recovered state, with the snapshot's data as given. */
    PersistedState state(Optional<Snapshot> snapshotWithData) {
        return new PersistedState(hardState, snapshotWithData, List.copyOf(entries));
    }
}
