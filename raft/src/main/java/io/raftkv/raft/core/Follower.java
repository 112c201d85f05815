package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Message.AppendEntries;
import io.raftkv.raft.core.Message.AppendEntriesResponse;
import io.raftkv.raft.core.Message.Heartbeat;
import io.raftkv.raft.core.Message.HeartbeatResponse;
import io.raftkv.raft.core.Message.InstallSnapshot;
import io.raftkv.raft.core.Message.InstallSnapshotResponse;
import java.util.List;

/**
 * A replica's follower side: it takes the current term's leader's {@link AppendEntries}, {@link
 * Heartbeat} and {@link InstallSnapshot} (Raft sections 5.3 and 7), answers each, and keeps the
 * chunks of a snapshot being received.
 *
 * <p>Each handler runs once {@link RaftReplica#step} has applied the term rules, so the message is
 * from this term's leader; it first makes this replica that leader's follower ({@link
 * RaftReplica#followLeader}). Owned by its {@link RaftReplica}, on its thread.
 */
final class Follower {
    private final RaftReplica replica;
    private final RaftLog log;
    private final Reconfiguration reconfiguration;
    private final SnapshotReceiver snapshotReceiver;

    Follower(
            RaftReplica replica,
            RaftOptions options,
            RaftLog log,
            Reconfiguration reconfiguration) {
        this.replica = replica;
        this.log = log;
        this.reconfiguration = reconfiguration;
        this.snapshotReceiver = new SnapshotReceiver(options.snapshotBytesMax());
    }

    void handleAppendEntries(AppendEntries request) {
        replica.followLeader(request);
        long prevIndex = request.prevLogIndex();
        long prevTerm = request.prevLogTerm();
        List<Entry> entries = request.entries();
        if (prevIndex < log.commitIndex()) {
            // Entries up to the commit index match the leader's; keep only what follows them.
            int skip = (int) Math.min(log.commitIndex() - prevIndex, entries.size());
            entries = entries.subList(skip, entries.size());
            prevIndex = log.commitIndex();
            prevTerm = log.term(prevIndex);
        }
        if (!log.matchTerm(prevIndex, prevTerm)) {
            replica.send(conflictAnswer(request));
            return;
        }
        long lastNew = log.appendFromLeader(prevIndex, entries);
        reconfiguration.appendedFromLeader(prevIndex, entries);
        log.commitTo(Math.min(request.leaderCommit(), lastNew));
        replica.send(
                new AppendEntriesResponse(
                        replica.id(), request.from(), replica.term(), true, lastNew, 0, 0, 0));
    }

    /** A rejection that lets the leader skip the follower's whole conflicting term. */
    private AppendEntriesResponse conflictAnswer(AppendEntries request) {
        long prevIndex = request.prevLogIndex();
        if (prevIndex > log.lastIndex()) {
            return rejectAppend(request.from(), prevIndex, 0, log.lastIndex() + 1);
        }
        return rejectAppend(
                request.from(), prevIndex, log.term(prevIndex), log.firstIndexOfTerm(prevIndex));
    }

    /** An AppendEntries refusal in this replica's term; all zeros for a stale sender. */
    AppendEntriesResponse rejectAppend(
            NodeId to, long rejectedIndex, long conflictTerm, long conflictIndex) {
        return new AppendEntriesResponse(
                replica.id(),
                to,
                replica.term(),
                false,
                0,
                rejectedIndex,
                conflictTerm,
                conflictIndex);
    }

    void handleHeartbeat(Heartbeat request) {
        replica.followLeader(request);
        log.commitTo(request.commitIndex());
        replica.send(
                new HeartbeatResponse(
                        replica.id(), request.from(), replica.term(), request.readContext()));
        replica.quiesce(request.quiesce());
    }

    void handleInstallSnapshot(InstallSnapshot request) {
        replica.followLeader(request);
        if (request.meta().index() <= log.commitIndex()) {
            snapshotReceiver.reset();
            replica.send(snapshotAnswer(request, 0, true, log.commitIndex()));
            return;
        }
        SnapshotReceiver.Receipt receipt = snapshotReceiver.accept(request);
        if (receipt.completed().isEmpty()) {
            replica.send(snapshotAnswer(request, receipt.nextOffset(), false, 0));
            return;
        }
        restore(receipt.completed().get());
        replica.send(snapshotAnswer(request, receipt.nextOffset(), true, request.meta().index()));
    }

    private InstallSnapshotResponse snapshotAnswer(
            InstallSnapshot request, long nextOffset, boolean done, long matchIndex) {
        return new InstallSnapshotResponse(
                replica.id(),
                request.from(),
                replica.term(),
                request.meta().index(),
                nextOffset,
                done,
                matchIndex);
    }

    /** Adopts a snapshot from the leader, unless the log already holds its last entry. */
    private void restore(Snapshot snapshot) {
        if (log.matchTerm(snapshot.index(), snapshot.term())) {
            log.commitTo(snapshot.index());
            return;
        }
        log.restore(snapshot.meta());
        reconfiguration.restored(snapshot.meta());
        replica.installFromLeader(snapshot);
    }
}
