package io.raftkv.raft.core;

import java.util.List;
import java.util.Optional;

/**
 * What storage recovered for one replica: the last hard state, the last snapshot, and the persisted
 * entries after it (in index order, contiguous from the snapshot index + 1).
 */
public record PersistedState(
        HardState hardState, Optional<Snapshot> snapshot, List<Entry> entries) {
    /** The state of a replica that has never run. */
    public static final PersistedState EMPTY =
            new PersistedState(HardState.EMPTY, Optional.empty(), List.of());

    public PersistedState {
        entries = List.copyOf(entries);
    }
}
