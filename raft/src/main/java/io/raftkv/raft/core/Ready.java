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
 *       durable, so none may leave before it. Except when {@code broadcastsFirst}: then a leader's
 *       appends, heartbeats and snapshot chunks among them ({@link #isBroadcast}) may leave before
 *       step 1 is done (Raft thesis section 10.2.1), since the leader counts its own entries toward
 *       a commit only once they are durable, and its term and vote already are. And when not {@code
 *       mustSync}, nothing waits for step 1: it writes only a commit index, which promises nothing
 *       and which a crash may lose (etcd's MustSync rule);
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
 * @param broadcastsFirst whether this is a leader's whose term and vote are already durable
 */
public record Ready(
        Optional<HardState> hardState,
        List<Entry> entries,
        Optional<Snapshot> snapshot,
        List<Message> messages,
        List<Entry> committedEntries,
        List<ReadState> readStates,
        boolean mustSync,
        boolean broadcastsFirst) {

    public Ready {
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        committedEntries = List.copyOf(committedEntries);
        readStates = List.copyOf(readStates);
    }

    /** Whether {@code message} is a leader's append, heartbeat or snapshot chunk. */
    public static boolean isBroadcast(Message message) {
        return message instanceof Message.AppendEntries
                || message instanceof Message.Heartbeat
                || message instanceof Message.InstallSnapshot;
    }

    /** Whether anything must be written before the messages leave. */
    public boolean needsPersist() {
        return hardState.isPresent() || !entries.isEmpty() || snapshot.isPresent();
    }
}
