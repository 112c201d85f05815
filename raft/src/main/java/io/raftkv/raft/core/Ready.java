package io.raftkv.raft.core;

import java.util.List;
import java.util.Optional;

/**
 * One batch of work the core hands to its host (the etcd-raft Ready/Advance contract). The host
 * handles the fields in this order, then calls {@link RaftReplica#advance(Ready)}:
 *
 * <ol>
 *   <li>persist {@code hardState}, {@code snapshot} and {@code entries} together, and sync them
 *       when {@code mustSync}: entries replace any persisted entries at the same or later indexes;
 *       a snapshot replaces the whole log up to its index (and, being received from a leader,
 *       everything after it too);
 *   <li>send {@code messages}: a vote or an acknowledgement among them promises what step 1 made
 *       durable, so none may leave before it;
 *   <li>restore the state machine from {@code snapshot}, if present, then apply {@code
 *       committedEntries} in order;
 *   <li>serve each of {@code readStates} once the state machine has applied its read index.
 * </ol>
 *
 * @param hardState the term, vote and commit index to persist, if they changed
 * @param entries entries to append to the persisted log, in index order
 * @param snapshot a snapshot received from the leader, to persist and restore
 * @param messages messages to send once the rest is persisted
 * @param committedEntries committed entries to apply, in index order
 * @param readStates reads confirmed by a quorum
 * @param mustSync whether step 1 needs an fsync (entries, term or vote changed)
 */
public record Ready(
        Optional<HardState> hardState,
        List<Entry> entries,
        Optional<Snapshot> snapshot,
        List<Message> messages,
        List<Entry> committedEntries,
        List<ReadState> readStates,
        boolean mustSync) {

    public Ready {
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        committedEntries = List.copyOf(committedEntries);
        readStates = List.copyOf(readStates);
    }

    /** Whether anything must be written before the messages leave. */
    public boolean needsPersist() {
        return hardState.isPresent() || !entries.isEmpty() || snapshot.isPresent();
    }
}
