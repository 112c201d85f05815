package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.ReadState;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.core.Snapshot;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One group's replica on a host: the Raft core, the state machine it drives, and the callbacks of
 * proposals and reads waiting for an outcome. Owned by the host's loop thread.
 */
final class HostedGroup {
    private record PendingProposal(long term, Consumer<ProposalOutcome> callback) {}

    private record ConfirmedRead(long readIndex, Consumer<ReadOutcome> callback) {}

    private final GroupId id;
    private final RaftReplica replica;
    private final StateMachine stateMachine;
    private final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
    private final TreeMap<Long, Consumer<ReadOutcome>> unconfirmedReads = new TreeMap<>();
    private final ArrayDeque<ConfirmedRead> confirmedReads = new ArrayDeque<>();
    private long leadingTerm;

    HostedGroup(GroupId id, RaftReplica replica, StateMachine stateMachine) {
        this.id = id;
        this.replica = replica;
        this.stateMachine = stateMachine;
    }

    GroupId id() {
        return id;
    }

    RaftReplica replica() {
        return replica;
    }

    StateMachine stateMachine() {
        return stateMachine;
    }

    void awaitProposal(long index, long term, Consumer<ProposalOutcome> callback) {
        noteLeadership();
        PendingProposal previous = proposals.put(index, new PendingProposal(term, callback));
        Check.that(previous == null, "%s: two proposals wait on index %d", id, index);
    }

    void awaitRead(long requestId, Consumer<ReadOutcome> callback) {
        noteLeadership();
        unconfirmedReads.put(requestId, callback);
    }

    /**
     * Fails what waits on leadership once this replica stopped leading the term it accepted them
     * in: their entries may still commit, but this replica can no longer tell.
     */
    void noteLeadership() {
        boolean leading = replica.role() == Role.LEADER;
        if (leading && replica.term() == leadingTerm) {
            return;
        }
        if (leadingTerm != 0) {
            failWaiters();
        }
        leadingTerm = leading ? replica.term() : 0;
    }

    /** Fails every waiting proposal and read (leadership lost, or the group is removed). */
    void failWaiters() {
        var hint = replica.leader();
        for (PendingProposal pending : proposals.values()) {
            pending.callback().accept(new ProposalOutcome.Unknown(hint));
        }
        proposals.clear();
        for (Consumer<ReadOutcome> callback : unconfirmedReads.values()) {
            callback.accept(new ReadOutcome.NotLeader(hint));
        }
        unconfirmedReads.clear();
    }

    void restore(Snapshot snapshot) {
        stateMachine.restore(snapshot.data());
        // Proposals covered by the snapshot were decided elsewhere; their results are unknown.
        Map<Long, PendingProposal> covered = proposals.headMap(snapshot.index(), true);
        for (PendingProposal pending : covered.values()) {
            pending.callback().accept(new ProposalOutcome.Unknown(replica.leader()));
        }
        covered.clear();
    }

    void apply(Entry entry) {
        Object result =
                entry.type() == EntryType.COMMAND
                        ? stateMachine.apply(entry.index(), entry.data())
                        : null;
        PendingProposal pending = proposals.remove(entry.index());
        if (pending == null) {
            return;
        }
        ProposalOutcome outcome =
                pending.term() == entry.term()
                        ? new ProposalOutcome.Applied(entry.index(), result)
                        : new ProposalOutcome.Unknown(replica.leader());
        pending.callback().accept(outcome);
    }

    void confirmRead(ReadState readState) {
        Consumer<ReadOutcome> callback = unconfirmedReads.remove(readState.requestId());
        if (callback != null) {
            confirmedReads.addLast(new ConfirmedRead(readState.readIndex(), callback));
        }
    }

    /** Serves the confirmed reads whose read index the state machine has reached. */
    void serveReads() {
        while (!confirmedReads.isEmpty()
                && confirmedReads.getFirst().readIndex() <= replica.appliedIndex()) {
            ConfirmedRead read = confirmedReads.removeFirst();
            read.callback().accept(new ReadOutcome.Confirmed(read.readIndex()));
        }
    }
}
