package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Budget;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.ReadState;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.core.Snapshot;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One group's replica on a host: the Raft core, the state machine it drives, and the callbacks of
 * proposals and reads waiting for an outcome. Owned by the host's loop thread.
 */
final class HostedGroup {
    private record PendingProposal(long term, Consumer<ProposalOutcome> callback) {}

    private record PendingRead(long bytes, Consumer<ReadOutcome> callback) {}

    private record ConfirmedRead(long readIndex, PendingRead read) {}

    private final GroupId id;
    private final RaftReplica replica;
    private final StateMachine stateMachine;
    private final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
    private final TreeMap<Long, PendingRead> unconfirmedReads = new TreeMap<>();
    private final ArrayDeque<ConfirmedRead> confirmedReads = new ArrayDeque<>();

    /** The reads waiting, confirmed or not, against {@link HostOptions#pendingReadBytesMax()}. */
    private final Budget reads;

    private long leadingTerm;

    /** Nodes whose messages to this group are dropped: see {@link GroupHost#fence}. */
    private Set<NodeId> fenced = Set.of();

    /** The membership the host last computed its peer nodes from. */
    private Membership peersComputedFrom;

    HostedGroup(GroupId id, RaftReplica replica, StateMachine stateMachine, HostOptions options) {
        this.id = id;
        this.replica = replica;
        this.stateMachine = stateMachine;
        this.reads = new Budget(options.raft().pendingReadsMax(), options.pendingReadBytesMax());
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

    void fence(Set<NodeId> nodes) {
        if (!fenced.equals(nodes)) { // NB: asked again at every drive of the node
            fenced = Set.copyOf(nodes);
        }
    }

    boolean isFenced(NodeId sender) {
        return fenced.contains(sender);
    }

    /** Whether the membership changed since the last call (true on the first). */
    boolean membershipChangedSinceLastLook() {
        Membership current = replica.membership();
        boolean changed = current != peersComputedFrom;
        peersComputedFrom = current;
        return changed;
    }

    void awaitProposal(long index, long term, Consumer<ProposalOutcome> callback) {
        noteLeadership();
        PendingProposal previous = proposals.put(index, new PendingProposal(term, callback));
        Check.that(previous == null, "%s: two proposals wait on index %d", id, index);
    }

    /** Why one more read of {@code bytes} may not wait here, if it may not. */
    Optional<Rejection.Overloaded> readRefusal(long bytes) {
        if (reads.admits(bytes)) {
            return Optional.empty();
        }
        return Optional.of(new Rejection.Overloaded("pending reads: " + reads.refusal(bytes)));
    }

    /** Holds a read of {@code bytes} the replica queued, until it is served or fails. */
    void awaitRead(long requestId, long bytes, Consumer<ReadOutcome> callback) {
        noteLeadership();
        reads.add(bytes);
        unconfirmedReads.put(requestId, new PendingRead(bytes, callback));
    }

    /**
     * Fails what waits on leadership once this replica stopped leading the term it accepted them
     * in: entries past the commit index may still commit, but this replica can no longer tell.
     * Entries up to it are committed and still applied here (a leader that removed itself steps
     * down once its removal commits), so their proposals wait for their outcome.
     */
    void noteLeadership() {
        boolean leading = replica.role() == Role.LEADER;
        if (leading && replica.term() == leadingTerm) {
            return;
        }
        if (leadingTerm != 0) {
            failWaitersAfter(replica.commitIndex());
        }
        leadingTerm = leading ? replica.term() : 0;
    }

    /** Fails every waiting proposal and read: the group is removed from this host. */
    void failWaiters() {
        failWaitersAfter(0);
    }

    /** Fails the proposals at indexes after {@code index}, and every unconfirmed read. */
    private void failWaitersAfter(long index) {
        var hint = replica.leader();
        Map<Long, PendingProposal> failing = proposals.tailMap(index, false);
        for (PendingProposal pending : failing.values()) {
            pending.callback().accept(new ProposalOutcome.Unknown(hint));
        }
        failing.clear();
        for (PendingRead read : unconfirmedReads.values()) {
            reads.remove(read.bytes());
            read.callback().accept(new ReadOutcome.NotLeader(hint));
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
        PendingRead read = unconfirmedReads.remove(readState.requestId());
        if (read != null) {
            confirmedReads.addLast(new ConfirmedRead(readState.readIndex(), read));
        }
    }

    /** Serves the confirmed reads whose read index the state machine has reached. */
    void serveReads() {
        while (!confirmedReads.isEmpty()
                && confirmedReads.getFirst().readIndex() <= replica.appliedIndex()) {
            ConfirmedRead confirmed = confirmedReads.removeFirst();
            reads.remove(confirmed.read().bytes());
            confirmed.read().callback().accept(new ReadOutcome.Confirmed(confirmed.readIndex()));
        }
    }
}
