package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.core.Message.AppendEntriesResponse;
import io.raftkv.raft.core.Message.HeartbeatResponse;
import io.raftkv.raft.core.Message.InstallSnapshotResponse;
import io.raftkv.raft.core.Message.TimeoutNow;
import io.raftkv.raft.core.Rejection.Overloaded;
import java.util.Map;
import java.util.Optional;

/**
 * A replica's leadership of one term: the followers' progress ({@link Replicator}), the bound on
 * uncommitted entries, a leadership transfer under way, the heartbeat clock, and the commit rule
 * (Raft sections 5.3, 5.4.2 and 8; thesis sections 3.10 and 4.2.2).
 *
 * <p>Made by {@link RaftReplica#becomeLeader()} and dropped at the next role change; the replica
 * calls it only while its role is {@link Role#LEADER}. A handler that makes the replica step down
 * (check-quorum, its own removal committed) returns at once, and the object is not used again.
 * Owned by its {@link RaftReplica}, on its thread.
 */
final class Leadership {
    private final RaftReplica replica;
    private final NodeId id;
    private final long term;
    private final RaftOptions options;
    private final RaftLog log;
    private final Reconfiguration reconfiguration;
    private final ReadIndexQueue reads;
    private final ElectionTimer timer;

    /** Bounds the entries after the commit index. */
    private final UncommittedTracker uncommitted;

    /** The followers' progress and the messages that move it. */
    private final Replicator replicator;

    private Optional<NodeId> transferTarget = Optional.empty();
    private int transferElapsed;
    private int heartbeatElapsed;

    /** New entries wait for the next {@link RaftReplica#ready()} to go out in one message each. */
    private boolean appendPending;

    /**
     * Starts leading {@code replica}'s current term: appends the no-op entry that commits the
     * entries of earlier terms and lets reads start (Raft section 5.4.2, 8).
     */
    Leadership(
            RaftReplica replica,
            RaftOptions options,
            RaftLog log,
            Reconfiguration reconfiguration,
            ReadIndexQueue reads,
            ElectionTimer timer) {
        this.replica = replica;
        this.id = replica.id();
        this.term = replica.term();
        this.options = options;
        this.log = log;
        this.reconfiguration = reconfiguration;
        this.reads = reads;
        this.timer = timer;
        this.uncommitted = new UncommittedTracker(options);
        this.replicator =
                new Replicator(
                        id,
                        term,
                        replica.membership(),
                        options,
                        log,
                        replica::latestSnapshot,
                        replica::send);
        log.appendOne(Entry.noop(log.lastIndex() + 1, term));
        uncommitted.reset(log);
        appendPending = true;
    }

    /** The node proposals should go to while a transfer is under way. */
    Optional<NodeId> transferTarget() {
        return transferTarget;
    }

    /** Appends {@code entry} as the leader, unless the uncommitted entries leave no room. */
    Optional<Overloaded> append(Entry entry) {
        Optional<Overloaded> overloaded = uncommitted.refusal(entry.sizeBytes());
        if (overloaded.isEmpty()) {
            log.appendOne(entry);
            uncommitted.appended(entry);
            appendPending = true;
        }
        return overloaded;
    }

    /** Starts handing leadership to {@code target}, another voter; see {@link #tick()}. */
    void transferTo(NodeId target) {
        transferTarget = Optional.of(target);
        transferElapsed = 0;
        if (replicator.progress(target).match() == log.lastIndex()) {
            replica.send(new TimeoutNow(id, target, term));
        } else {
            replicator.sendAppend(target, true);
        }
    }

    /** Called on {@link RaftReplica#tick()}; gives a transfer up after an election timeout. */
    void tick() {
        heartbeatElapsed++;
        timer.tick();
        replicator.forgetDeparted(log.commitIndex(), true);
        if (transferTarget.isPresent() && ++transferElapsed >= options.electionTicksMin()) {
            transferTarget = Optional.empty();
        }
        if (timer.elapsed() >= options.electionTicksMin()) {
            timer.restart();
            if (options.checkQuorum() && !replicator.quorumActive()) {
                replica.becomeFollower(term, Optional.empty());
                return;
            }
        }
        if (heartbeatElapsed >= options.heartbeatTicks()) {
            heartbeatElapsed = 0;
            boolean quiesce = options.quiesce() && canQuiesce();
            replicator.broadcastHeartbeat(0, quiesce);
            replica.quiesce(quiesce);
        }
    }

    /**
     * Whether the group is idle and every follower holds and knows the whole committed log, and
     * answered in this check-quorum period, so the leader may stop heartbeating (the host then
     * watches nodes instead of groups). A silent follower keeps the group awake, so a leader that
     * loses its quorum meets check-quorum and steps down.
     */
    private boolean canQuiesce() {
        boolean idle = !appendPending && reads.pendingCount() == 0 && transferTarget.isEmpty();
        boolean settled =
                log.commitIndex() == log.lastIndex() && log.persistedIndex() == log.lastIndex();
        return idle && settled && replicator.followersCaughtUp() && replicator.followersAllActive();
    }

    /** Leaves quiescence: a fresh check-quorum period, having heard no one. */
    void resume() {
        timer.restart();
        heartbeatElapsed = 0;
        replicator.markAllActive();
    }

    /** Wakes from quiescence, its voters' nodes silent: they must answer before it sleeps again. */
    void wakeUp() {
        replicator.markAllInactive(); // NB: and it stays awake until they answer (canQuiesce)
    }

    boolean hasBroadcasts() {
        return appendPending || (reads.hasUnsent() && committedInCurrentTerm());
    }

    /** Sends what proposals and reads since the last Ready need, batched per follower. */
    void flushBroadcasts() {
        if (appendPending) {
            appendPending = false;
            for (NodeId peer : replicator.peers()) {
                replicator.sendAppends(peer);
            }
        }
        if (reads.hasUnsent() && committedInCurrentTerm()) {
            if (replica.membership().isSoleVoter(id)) {
                replica.releaseReads(reads.releaseUnsent(log.commitIndex()));
            } else {
                replicator.broadcastHeartbeat(reads.sendBatch(log.commitIndex(), id), false);
            }
        }
    }

    /** A leader serves reads only once an entry of its own term is committed (section 8). */
    boolean committedInCurrentTerm() {
        return log.term(log.commitIndex()) == term;
    }

    void handleAppendResponse(AppendEntriesResponse response) {
        if (!replicator.handleAppendResponse(response)) {
            return;
        }
        maybeCommit();
        if (replica.role() != Role.LEADER) {
            return; // its own removal committed
        }
        Progress peer = replicator.progress(response.from());
        if (transferTarget.equals(Optional.of(response.from()))
                && peer.match() == log.lastIndex()) {
            replica.send(new TimeoutNow(id, response.from(), term));
        }
        replicator.sendAppends(response.from());
        if (peer.match() == log.lastIndex() && peer.commitSent() < log.commitIndex()) {
            // A follower that acknowledged after the commit learns it now, not at the next beat.
            replicator.sendAppend(response.from(), true);
        }
    }

    void handleHeartbeatResponse(HeartbeatResponse response) {
        if (replicator.handleHeartbeatResponse(response)
                && replica.membership().isVoter(response.from())) {
            replica.releaseReads(
                    reads.acknowledge(
                            response.from(),
                            response.readContext(),
                            replica.membership().quorum()));
        }
    }

    void handleInstallSnapshotResponse(InstallSnapshotResponse response) {
        replicator.handleInstallSnapshotResponse(response);
    }

    /** Counts the leader's own entries up to where its log is durable, then commits what it can. */
    void advance() {
        long ownDurable =
                PlantedBugs.planted(RaftBug.COUNT_UNSYNCED_SELF)
                        ? log.lastIndex()
                        : log.persistedIndex();
        replicator.progress(id).maybeUpdate(ownDurable);
        maybeCommit();
    }

    /** Commits the highest index a quorum holds, if it is from this term (section 5.4.2). */
    private void maybeCommit() {
        long quorumIndex = replicator.quorumMatchIndex();
        if (quorumIndex <= log.commitIndex() || log.term(quorumIndex) != term) {
            return;
        }
        uncommitted.committing(log, quorumIndex);
        log.commitTo(quorumIndex);
        replicator.notifyCaughtUpFollowersOfCommit();
        replicator.forgetDeparted(log.commitIndex(), false);
        stepDownIfRemoved();
    }

    /** Replicates to the members of {@code next}, just adopted, and to departing ones. */
    void membershipChanged(Membership next) {
        replicator.membershipChanged(next, reconfiguration.lastChangeIndex());
    }

    /**
     * A leader whose own removal has committed stops leading (thesis section 4.2.2). It first tells
     * the most caught-up voter to campaign at once, so the group is not leaderless for an election
     * timeout.
     */
    private void stepDownIfRemoved() {
        if (replica.membership().isVoter(id)
                || reconfiguration.lastChangeIndex() > log.commitIndex()) {
            return;
        }
        replicator
                .caughtUpVoter()
                .ifPresent(voter -> replica.send(new TimeoutNow(id, voter, term)));
        replica.becomeFollower(term, Optional.empty());
    }

    /** The log index each member is known to hold, its own included, sorted by node. */
    Map<NodeId, Long> matchIndexes() {
        return replicator.matchIndexes();
    }
}
