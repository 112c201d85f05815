package io.raftkv.raft.host;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Snapshot;
import java.util.List;
import java.util.Optional;

/**
 * One group's share of a storage batch.
 *
 * @param hardState to replace the stored hard state, if it changed
 * @param snapshot to replace the stored snapshot; entries up to its index are dropped
 * @param snapshotReplacesLog the snapshot came from the leader: drop every stored entry, even those
 *     after its index
 * @param entries to store after the snapshot (if any); they replace stored entries at the same or
 *     later indexes
 * @param sync whether this write must be synced before the batch counts as durable
 */
public record GroupWrite(
        GroupId group,
        Optional<HardState> hardState,
        Optional<Snapshot> snapshot,
        boolean snapshotReplacesLog,
        List<Entry> entries,
        boolean sync) {
    public GroupWrite {
        entries = List.copyOf(entries);
    }
}
