package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A replica's output side (the etcd-raft Ready/Advance contract): gathers the messages, confirmed
 * reads and restored snapshot that the next {@link Ready} hands out, remembers the {@link
 * HardState} the host last persisted, and moves the log's persisted and applied indexes when the
 * host advances. See {@link Ready} for what the host does with each field.
 *
 * <p>Owned by its {@link RaftReplica}, on its thread; the replica adds the role-dependent parts
 * (the leader's broadcasts before a Ready, its own durable entries after an advance).
 */
final class ReadyBatcher {
    private final RaftOptions options;
    private final RaftLog log;
    private final List<Message> outbox = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    private Optional<Snapshot> snapshotToInstall = Optional.empty();
    private HardState persistedHardState;

    ReadyBatcher(RaftOptions options, RaftLog log, HardState persistedHardState) {
        this.options = options;
        this.log = log;
        this.persistedHardState = persistedHardState;
    }

    /** Queues {@code message} for the next Ready. */
    void send(Message message) {
        outbox.add(message);
    }

    /** Queues reads confirmed by the leader for the next Ready. */
    void releaseReads(List<ReadState> released) {
        readStates.addAll(released);
    }

    /** Queues {@code snapshot}, restored from the leader, for the host to install. */
    void install(Snapshot snapshot) {
        snapshotToInstall = Optional.of(snapshot);
    }

    /** Whether a restored snapshot waits to be handed out or installed. */
    boolean snapshotWaiting() {
        return snapshotToInstall.isPresent();
    }

    /** Whether the next Ready has anything to hand out, given the replica's term and vote. */
    boolean hasReady(long term, Optional<NodeId> votedFor) {
        return !outbox.isEmpty()
                || !readStates.isEmpty()
                || hardStateChanged(term, votedFor)
                || log.persistedIndex() < log.lastIndex()
                || snapshotToInstall.isPresent()
                || log.commitIndex() > log.appliedIndex();
    }

    /** Whether term, vote or commit differ from what was last persisted (without allocating). */
    private boolean hardStateChanged(long term, Optional<NodeId> votedFor) {
        return term != persistedHardState.term()
                || log.commitIndex() != persistedHardState.commitIndex()
                || !votedFor.equals(persistedHardState.votedFor());
    }

    /**
     * Hands out the pending work, with {@code hardState} the replica's current one. {@code leading}
     * lets a leader's broadcasts leave before its entries are durable ({@link
     * Ready#broadcastsFirst()}), unless its term or vote changed.
     */
    Ready ready(HardState hardState, boolean leading) {
        boolean termOrVoteChanged =
                hardState.term() != persistedHardState.term()
                        || !hardState.votedFor().equals(persistedHardState.votedFor());
        List<Entry> entries = log.unpersisted();
        List<Entry> committed =
                snapshotToInstall.isPresent() || log.commitIndex() == log.appliedIndex()
                        ? List.of()
                        : log.slice(
                                log.appliedIndex() + 1,
                                log.commitIndex(),
                                Integer.MAX_VALUE,
                                options.applyBytesMax());
        Ready ready =
                new Ready(
                        hardState.equals(persistedHardState)
                                ? Optional.empty()
                                : Optional.of(hardState),
                        entries,
                        snapshotToInstall,
                        List.copyOf(outbox),
                        committed,
                        List.copyOf(readStates),
                        termOrVoteChanged || !entries.isEmpty() || snapshotToInstall.isPresent(),
                        leading && !termOrVoteChanged);
        outbox.clear();
        readStates.clear();
        return ready;
    }

    /** Records that the host persisted, sent and applied {@code ready}. */
    void advance(Ready ready) {
        ready.hardState().ifPresent(hardState -> persistedHardState = hardState);
        ready.snapshot()
                .ifPresent(
                        snapshot -> {
                            Check.that(
                                    snapshotToInstall.equals(Optional.of(snapshot)),
                                    "advanced a snapshot that was not handed out");
                            snapshotToInstall = Optional.empty();
                        });
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().getLast();
            Check.that(
                    log.matchTerm(last.index(), last.term()),
                    "persisted entry %s changed before advance",
                    last);
            log.persistedTo(last.index());
        }
        if (!ready.committedEntries().isEmpty()) {
            log.appliedTo(ready.committedEntries().getLast().index());
        }
    }
}
