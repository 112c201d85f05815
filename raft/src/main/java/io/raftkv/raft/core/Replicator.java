package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Message.AppendEntries;
import io.raftkv.raft.core.Message.AppendEntriesResponse;
import io.raftkv.raft.core.Message.Heartbeat;
import io.raftkv.raft.core.Message.HeartbeatResponse;
import io.raftkv.raft.core.Message.InstallSnapshot;
import io.raftkv.raft.core.Message.InstallSnapshotResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A leader's sending side for one term: what it knows of each follower's log ({@link Progress}) and
 * the appends, snapshot chunks and heartbeats that move followers forward. Made when a replica
 * becomes leader and dropped when it stops leading; owned by its {@link Leadership}.
 */
final class Replicator {
    private final NodeId id;
    private final long term;
    private Membership membership;
    private final RaftOptions options;
    private final RaftLog log;
    private final Supplier<Optional<Snapshot>> latestSnapshot;
    private final Consumer<Message> send;

    /**
     * One entry per voter and learner, per departing replica (see {@link #forgetDeparted}), and
     * always the leader's own.
     */
    private final TreeMap<NodeId, Progress> progress = new TreeMap<>();

    /** Ticks a departing replica keeps getting the log after its removal committed, at most. */
    static final int DEPARTING_TICKS_MAX = 100;

    /** A replica removed from the membership, while it still gets the log. */
    private static final class Departure {
        /** The index of the change that removed it. */
        final long removalIndex;

        /** Ticks since that change committed. */
        int ticksSinceCommitted;

        Departure(long removalIndex) {
            this.removalIndex = removalIndex;
        }
    }

    private final TreeMap<NodeId, Departure> departing = new TreeMap<>();

    Replicator(
            NodeId id,
            long term,
            Membership membership,
            RaftOptions options,
            RaftLog log,
            Supplier<Optional<Snapshot>> latestSnapshot,
            Consumer<Message> send) {
        this.id = id;
        this.term = term;
        this.membership = membership;
        this.options = options;
        this.log = log;
        this.latestSnapshot = latestSnapshot;
        this.send = send;
        progress.put(id, newProgress());
        membershipChanged(membership, 0);
        progress.get(id).maybeUpdate(log.persistedIndex());
    }

    private Progress newProgress() {
        Progress peer =
                new Progress(
                        log.lastIndex() + 1,
                        new Inflights(options.inflightMessagesMax(), options.inflightBytesMax()));
        peer.recentActive(true);
        return peer;
    }

    /**
     * Follows a new membership, appended at {@code index}: a replica that joined is probed from the
     * end of the log. One that left still gets the log, so that it learns of its removal from its
     * own log, until {@link #forgetDeparted} drops it; it counts toward nothing meanwhile.
     */
    void membershipChanged(Membership next, long index) {
        membership = next;
        for (NodeId member : next.members()) {
            progress.computeIfAbsent(member, added -> newProgress());
            departing.remove(member);
        }
        for (NodeId node : progress.keySet()) {
            if (!node.equals(id) && !next.contains(node)) {
                departing.putIfAbsent(node, new Departure(index));
            }
        }
    }

    /**
     * Stops replicating to a departing replica once it holds its removal and has had two heartbeat
     * rounds since the removal committed (a heartbeat then carries a commit index that covers the
     * removal, so its node learns that the removal is final and may delete it), and {@value
     * #DEPARTING_TICKS_MAX} ticks after the removal committed to one that never answered.
     *
     * @param tick whether a tick passed since the last call
     */
    void forgetDeparted(long commitIndex, boolean tick) {
        if (departing.isEmpty()) {
            return; // NB: every tick and commit of every leader comes here
        }
        var entries = departing.entrySet().iterator();
        while (entries.hasNext()) {
            var entry = entries.next();
            Departure departure = entry.getValue();
            if (departure.removalIndex > commitIndex) {
                continue;
            }
            if (tick) {
                departure.ticksSinceCommitted++;
            }
            boolean toldOfCommit =
                    progress.get(entry.getKey()).match() >= departure.removalIndex
                            && departure.ticksSinceCommitted >= 2 * options.heartbeatTicks();
            if (toldOfCommit || departure.ticksSinceCommitted >= DEPARTING_TICKS_MAX) {
                progress.remove(entry.getKey());
                entries.remove();
            }
        }
    }

    /** The progress of {@code member}, or null if it is not a voter or learner. */
    Progress progress(NodeId member) {
        return progress.get(member);
    }

    /** Every replica this leader sends to: the voters, the learners, and the departing. */
    List<NodeId> peers() {
        return progress.keySet().stream().filter(node -> !node.equals(id)).toList();
    }

    /** Each member's match index, the leader's own included: what a status page shows as lag. */
    TreeMap<NodeId, Long> matchIndexes() {
        TreeMap<NodeId, Long> matches = new TreeMap<>();
        progress.forEach((node, peer) -> matches.put(node, peer.match()));
        return matches;
    }

    /** The first voter, by node id, that holds the whole log (to hand leadership to), if any. */
    Optional<NodeId> caughtUpVoter() {
        return membership.voters().stream()
                .filter(
                        voter ->
                                !voter.equals(id) && progress.get(voter).match() == log.lastIndex())
                .findFirst();
    }

    /** The highest index a quorum of voters holds (Raft section 5.3). */
    long quorumMatchIndex() {
        long[] matches =
                membership.voters().stream()
                        .mapToLong(voter -> progress.get(voter).match())
                        .toArray();
        return Quorum.committedIndex(matches);
    }

    /** Counts everyone as heard from: a leader leaving quiescence starts a fresh period. */
    void markAllActive() {
        progress.values().forEach(peer -> peer.recentActive(true));
    }

    /** Forgets what was heard from every follower: a check-quorum period in which no one spoke. */
    void markAllInactive() {
        progress.values().forEach(peer -> peer.recentActive(false));
    }

    /** Whether every follower was heard from since the last check-quorum period began. */
    boolean followersAllActive() {
        return peers().stream().allMatch(peer -> progress.get(peer).recentActive());
    }

    /** Whether a quorum of voters was heard from since the last check; starts the next period. */
    boolean quorumActive() {
        int active = 0;
        for (var entry : progress.entrySet()) {
            boolean heard = entry.getKey().equals(id) || entry.getValue().recentActive();
            if (heard && membership.isVoter(entry.getKey())) {
                active++;
            }
            entry.getValue().recentActive(false);
        }
        return active >= membership.quorum();
    }

    /** Whether every follower holds the whole log and has no append in flight. */
    boolean followersCaughtUp() {
        for (NodeId peer : peers()) {
            Progress follower = progress.get(peer);
            boolean caughtUp =
                    follower.state() == Progress.State.REPLICATE
                            && follower.match() == log.lastIndex()
                            && follower.inflights().count() == 0;
            if (!caughtUp) {
                return false;
            }
        }
        return true;
    }

    void broadcastHeartbeat(long readContext, boolean quiesce) {
        for (NodeId peer : peers()) {
            long commit = Math.min(progress.get(peer).match(), log.commitIndex());
            send.accept(new Heartbeat(id, peer, term, commit, readContext, quiesce));
            progress.get(peer).commitSent(commit);
        }
    }

    /** Tells followers that hold the whole log about a new commit index at once. */
    void notifyCaughtUpFollowersOfCommit() {
        for (NodeId peer : peers()) {
            Progress peerProgress = progress.get(peer);
            if (peerProgress.state() == Progress.State.REPLICATE
                    && peerProgress.match() == log.lastIndex()) {
                sendAppend(peer, true);
            }
        }
    }

    /** Sends appends to {@code peer} while it is not paused and entries remain. */
    void sendAppends(NodeId peer) {
        Progress peerProgress = progress.get(peer);
        while (!peerProgress.isPaused() && peerProgress.next() <= log.lastIndex()) {
            sendAppend(peer, false);
        }
    }

    /**
     * Sends one append (or the snapshot, if the entries it needs are compacted away). With {@code
     * sendIfEmpty}, an append without entries still goes out, to carry the commit index or probe.
     */
    void sendAppend(NodeId peer, boolean sendIfEmpty) {
        Progress peerProgress = progress.get(peer);
        if (peerProgress.isPaused()) {
            return;
        }
        long prevIndex = peerProgress.next() - 1;
        long prevTerm = log.term(prevIndex);
        if (prevTerm < 0) {
            Snapshot snapshot =
                    latestSnapshot
                            .get()
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "log compacted without a snapshot"));
            peerProgress.becomeSnapshot(snapshot.index());
            sendSnapshotChunk(peer);
            return;
        }
        List<Entry> entries =
                log.slice(
                        peerProgress.next(),
                        log.lastIndex(),
                        options.entriesPerMessageMax(),
                        options.bytesPerMessageMax());
        if (entries.isEmpty() && !sendIfEmpty) {
            return;
        }
        long bytes = entries.stream().mapToLong(Entry::sizeBytes).sum();
        send.accept(
                new AppendEntries(id, peer, term, prevIndex, prevTerm, entries, log.commitIndex()));
        peerProgress.sentEntries(prevIndex + entries.size(), bytes);
        peerProgress.commitSent(Math.min(log.commitIndex(), prevIndex + entries.size()));
    }

    /** Sends the chunk of the latest snapshot at the offset {@code peer}'s progress is at. */
    void sendSnapshotChunk(NodeId peer) {
        Progress peerProgress = progress.get(peer);
        Snapshot snapshot = latestSnapshot.get().orElseThrow();
        if (snapshot.index() != peerProgress.snapshotIndex()) {
            peerProgress.becomeSnapshot(snapshot.index()); // compacted further meanwhile
        }
        int offset = (int) peerProgress.snapshotOffset();
        int length = Math.min(options.snapshotChunkBytes(), snapshot.data().length - offset);
        byte[] chunk = Arrays.copyOfRange(snapshot.data(), offset, offset + length);
        boolean last = offset + length == snapshot.data().length;
        send.accept(new InstallSnapshot(id, peer, term, snapshot.meta(), offset, chunk, last));
    }

    /** Where to resume after a rejection: past the leader's own entries of the conflict term. */
    long nextAfterConflict(AppendEntriesResponse response) {
        if (response.conflictTerm() > 0) {
            long lastOfTerm = log.lastIndexOfTerm(response.conflictTerm());
            if (lastOfTerm >= 0) {
                return lastOfTerm + 1;
            }
        }
        return Math.max(1, response.conflictIndex());
    }

    /**
     * Updates {@code response.from()}'s progress from an append answer: a rejection moves it back
     * and probes again; an acknowledgement frees the window and may switch it to replicating.
     * Returns whether its match index advanced (then the leader may commit).
     */
    boolean handleAppendResponse(AppendEntriesResponse response) {
        Progress peer = progress.get(response.from());
        if (peer == null) {
            return false;
        }
        peer.recentActive(true);
        if (!response.success()) {
            if (peer.maybeDecreaseTo(response.rejectedIndex(), nextAfterConflict(response))) {
                if (peer.state() == Progress.State.REPLICATE) {
                    peer.becomeProbe();
                }
                sendAppend(response.from(), true);
            }
            return false;
        }
        if (!peer.maybeUpdate(response.matchIndex())) {
            return false;
        }
        peer.inflights().freeTo(response.matchIndex());
        if (peer.state() == Progress.State.PROBE) {
            peer.becomeReplicate();
        }
        return true;
    }

    /**
     * A follower answered a heartbeat: it is alive, so resend what may have been lost. Returns
     * false if the sender is not a member.
     */
    boolean handleHeartbeatResponse(HeartbeatResponse response) {
        Progress peer = progress.get(response.from());
        if (peer == null) {
            return false;
        }
        peer.recentActive(true);
        peer.resumeProbe();
        if (peer.state() == Progress.State.SNAPSHOT) {
            sendSnapshotChunk(response.from());
        } else if (peer.match() < log.lastIndex()) {
            // An append or its answer may have been lost: free a slot and probe at next - 1,
            // which the follower either acknowledges or rejects, so replication resumes.
            peer.inflights().freeFirstIfFull();
            sendAppend(response.from(), true);
        }
        return true;
    }

    /** Moves a snapshot transfer on: the next chunk, or appends once it is installed. */
    void handleInstallSnapshotResponse(InstallSnapshotResponse response) {
        Progress peer = progress.get(response.from());
        if (peer == null) {
            return;
        }
        peer.recentActive(true);
        if (response.done()) {
            peer.maybeUpdate(response.matchIndex());
            if (peer.state() == Progress.State.SNAPSHOT) {
                peer.becomeProbe();
            }
            sendAppend(response.from(), false);
            return;
        }
        boolean current =
                peer.state() == Progress.State.SNAPSHOT
                        && response.snapshotIndex() == peer.snapshotIndex();
        if (!current || response.nextOffset() == peer.snapshotOffset()) {
            return; // stale or duplicate: the next heartbeat answer resends if needed
        }
        boolean progressed = response.nextOffset() > peer.snapshotOffset();
        peer.snapshotOffset(response.nextOffset());
        if (progressed) {
            sendSnapshotChunk(response.from());
        }
    }
}
