package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.core.Message.AppendEntries;
import io.raftkv.raft.core.Message.AppendEntriesResponse;
import io.raftkv.raft.core.Message.Heartbeat;
import io.raftkv.raft.core.Message.HeartbeatResponse;
import io.raftkv.raft.core.Message.InstallSnapshot;
import io.raftkv.raft.core.Message.InstallSnapshotResponse;
import io.raftkv.raft.core.Message.RequestVote;
import io.raftkv.raft.core.Message.RequestVoteResponse;
import io.raftkv.raft.core.Message.TimeoutNow;
import io.raftkv.raft.core.Rejection.NotLeader;
import io.raftkv.raft.core.Rejection.Overloaded;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One replica of one Raft group, as a pure state machine (DESIGN.md rule 1).
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose(byte[])}, {@link
 * #proposeMembership(MembershipChange)}, {@link #readIndex(long)}, {@link
 * #transferLeadership(NodeId)} and {@link #compact(Snapshot)}. Output: {@link Ready} batches; the
 * host handles one as its Javadoc says and then calls {@link #advance(Ready)}. Between {@link
 * #ready()} and {@link #advance(Ready)} the host may call {@code propose}, {@code readIndex} and
 * {@code transferLeadership}, but not {@code tick} or {@code step}.
 *
 * <p>Membership changes one replica at a time and takes effect when appended (thesis section 4.1):
 * the membership in force is the one in the newest membership entry of the log, or the latest
 * snapshot's. Learners get the log but never campaign, and votes and acknowledgements count only
 * from voters. A leader that removed itself leads until that change commits, then hands off.
 *
 * <p>Not thread-safe: one thread (the host's loop) owns it. Randomness comes only from the seed
 * given at construction, so equal inputs give equal outputs.
 */
public final class RaftReplica {
    private final NodeId id;
    private final RaftOptions options;
    private final ElectionTimer electionTimer;
    private final RaftLog log;
    private final ReadIndexQueue reads = new ReadIndexQueue();
    private final Election election;
    private final Follower follower;

    private final ReadyBatcher output;

    private final Reconfiguration reconfiguration;

    private long term;
    private Optional<NodeId> votedFor;
    private Optional<NodeId> leader = Optional.empty();
    private Role role = Role.FOLLOWER;

    /** Leader only (null otherwise): this term's followers, transfer and commit rule. */
    private Leadership leadership;

    /** The newest snapshot this replica holds, sent to followers behind the compacted log. */
    private Optional<Snapshot> latestSnapshot;

    /** Idle and fully replicated: no ticking until a message, a proposal or the host wakes it. */
    private boolean quiesced;

    /**
     * Creates a replica from what storage recovered (or {@link PersistedState#EMPTY}).
     *
     * @param membership the group's replicas, unless the recovered snapshot or log records newer
     *     ones
     * @param randomSeed seeds the election timeouts; give each replica its own
     */
    public RaftReplica(
            NodeId id,
            Membership membership,
            RaftOptions options,
            long randomSeed,
            PersistedState persisted) {
        this.id = id;
        this.options = options;
        this.electionTimer = new ElectionTimer(options, randomSeed);
        SnapshotMeta snapshotMeta =
                persisted.snapshot().map(Snapshot::meta).orElse(new SnapshotMeta(0, 0, membership));
        this.log =
                new RaftLog(snapshotMeta, persisted.entries(), persisted.hardState().commitIndex());
        this.reconfiguration =
                new Reconfiguration(
                        this,
                        log,
                        new MembershipHistory(log, snapshotMeta.membership(), persisted.entries()));
        this.latestSnapshot = persisted.snapshot();
        this.term = persisted.hardState().term();
        this.votedFor = persisted.hardState().votedFor();
        this.output = new ReadyBatcher(options, log, persisted.hardState());
        this.election = new Election(this, options, log, electionTimer);
        this.follower = new Follower(this, options, log, reconfiguration);
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick (none while quiesced). */
    public void tick() {
        if (quiesced) {
            return;
        }
        if (role == Role.LEADER) {
            leadership.tick();
        } else {
            election.tickElection();
        }
    }

    /** Handles one message from another replica of this group. */
    public void step(Message message) {
        Check.that(message.to().equals(id), "%s got a message for %s", id, message.to());
        // NB: any replica's message is handled, member or not (thesis section 4.1): a leader
        // added after this replica's newest membership entry must still reach it.
        // NB: the followers' plain answers to the leader's last heartbeat must not wake it.
        boolean plainAck = message instanceof HeartbeatResponse answer && answer.readContext() == 0;
        if (!plainAck) {
            resume();
        }
        if (message.term() > term && !acceptHigherTerm(message)) {
            return;
        }
        if (message.term() < term) {
            answerLowerTerm(message);
            return;
        }
        switch (message) {
            case RequestVote request -> election.handleRequestVote(request);
            case RequestVoteResponse response -> election.handleVoteResponse(response);
            case AppendEntries request -> follower.handleAppendEntries(request);
            case AppendEntriesResponse response -> {
                if (role == Role.LEADER) {
                    leadership.handleAppendResponse(response);
                }
            }
            case Heartbeat request -> follower.handleHeartbeat(request);
            case HeartbeatResponse response -> {
                if (role == Role.LEADER) {
                    leadership.handleHeartbeatResponse(response);
                }
            }
            case InstallSnapshot request -> follower.handleInstallSnapshot(request);
            case InstallSnapshotResponse response -> {
                if (role == Role.LEADER) {
                    leadership.handleInstallSnapshotResponse(response);
                }
            }
            case TimeoutNow request -> election.handleTimeoutNow(request);
        }
    }

    /**
     * Appends a command if this replica leads and its uncommitted entries leave room (else {@link
     * Overloaded}). A command over {@link RaftOptions#commandBytesMax()} is {@link
     * ProposeResult.TooLarge} whatever the role. The answer is immediate; the command's fate shows
     * when its index is applied: it was committed if the entry applied there has the returned term.
     */
    public ProposeResult propose(byte[] command) {
        if (command.length > options.commandBytesMax()) {
            return new ProposeResult.TooLarge(command.length, options.commandBytesMax());
        }
        Optional<NotLeader> notLeading = notLeadingRefusal();
        if (notLeading.isPresent()) {
            return notLeading.get();
        }
        Entry entry = Entry.command(log.lastIndex() + 1, term, command);
        Optional<Overloaded> overloaded = leadership.append(entry);
        if (overloaded.isPresent()) {
            return overloaded.get();
        }
        return new ProposeResult.Accepted(entry.index(), term);
    }

    /**
     * Appends one single-server membership change if this replica leads, has committed an entry of
     * its term (so no change of an earlier leader can still be pending), and the previous change is
     * committed. Otherwise, or if the change does not apply to the current membership, the answer
     * is {@link ChangeResult.Refused} with the reason. Like a command, the change was committed if
     * the entry applied at the returned index has the returned term.
     */
    public ChangeResult proposeMembership(MembershipChange change) {
        Optional<NotLeader> notLeading = notLeadingRefusal();
        if (notLeading.isPresent()) {
            return notLeading.get();
        }
        return reconfiguration.propose(change, leadership);
    }

    /**
     * Unsafe recovery, an operator's last resort for a group that lost its quorum for good (after
     * TiKV's unsafe recovery and etcd's {@code --force-new-cluster}): makes this replica the
     * group's only voter without asking anyone. It moves to a new term and appends a membership
     * entry of itself alone, so it elects itself at its next tick and then commits its whole log:
     * entries it holds that were never committed become committed, and entries committed only on
     * the other replicas are lost. The other replicas must never take part again; the caller fences
     * them (their messages are dropped and their nodes delete them).
     *
     * <p>Returns false, changing nothing, while a snapshot waits to be installed (ask again later);
     * true once this replica is its group's only member, at once if it already was.
     */
    public boolean forceSoleVoter() {
        Membership sole = Membership.of(id);
        if (membership().equals(sole)) {
            return true;
        }
        if (output.snapshotWaiting()) {
            return false;
        }
        resume();
        becomeFollower(term + 1, Optional.empty());
        Entry entry = Entry.membership(log.lastIndex() + 1, term, sole);
        log.appendOne(entry);
        reconfiguration.appended(entry, sole);
        electionTimer.expire(); // campaigns at the next tick
        return true;
    }

    /** Why this replica cannot take a proposal now: it does not lead, or not as a voter. */
    private Optional<NotLeader> notLeadingRefusal() {
        if (role != Role.LEADER) {
            return Optional.of(new NotLeader(leader));
        }
        resume();
        if (leadership.transferTarget().isPresent()) {
            return Optional.of(new NotLeader(leadership.transferTarget()));
        }
        if (!membership().isVoter(id)) {
            return Optional.of(new NotLeader(Optional.empty())); // removed; about to step down
        }
        return Optional.empty();
    }

    /**
     * Starts a linearizable read (ReadIndex, thesis section 6.4): a {@link ReadState} with {@code
     * requestId} comes out in a later Ready once a quorum confirmed this leader.
     */
    public ReadResult readIndex(long requestId) {
        if (role != Role.LEADER) {
            return new NotLeader(leader);
        }
        resume();
        if (!membership().isVoter(id)) {
            return new NotLeader(Optional.empty());
        }
        if (reads.pendingCount() >= options.pendingReadsMax()) {
            return new Overloaded(
                    "pending reads: %d of at most %d"
                            .formatted(reads.pendingCount(), options.pendingReadsMax()));
        }
        if (PlantedBugs.planted(RaftBug.READ_WITHOUT_READ_INDEX)) {
            output.releaseReads(List.of(new ReadState(requestId, log.commitIndex())));
            return new ReadResult.Queued(requestId);
        }
        reads.add(requestId);
        return new ReadResult.Queued(requestId);
    }

    /**
     * Hands leadership to {@code target} (thesis section 3.10): proposals are refused while the
     * target catches up, then it is told to campaign at once. Gives up after an election timeout.
     * Returns false if this replica does not lead or the target is not another voter.
     */
    public boolean transferLeadership(NodeId target) {
        if (role != Role.LEADER || target.equals(id) || !membership().isVoter(target)) {
            return false;
        }
        resume();
        leadership.transferTo(target);
        return true;
    }

    /** Where a snapshot of the state machine at applied index {@code index} sits in the log. */
    public SnapshotMeta snapshotMetaAt(long index) {
        Check.argument(
                index > log.snapshotIndex() && index <= log.appliedIndex(),
                "snapshot at %d outside (%d, applied %d]",
                index,
                log.snapshotIndex(),
                log.appliedIndex());
        return new SnapshotMeta(index, log.term(index), reconfiguration.membershipAt(index));
    }

    /**
     * Replaces the log up to the snapshot's index with the snapshot, which the host took of its
     * state machine at that applied index. The host persists the snapshot itself.
     */
    public void compact(Snapshot snapshot) {
        Check.argument(
                snapshot.meta().equals(snapshotMetaAt(snapshot.index())),
                "snapshot %s does not match the log",
                snapshot);
        reconfiguration.compacted(snapshot.meta());
        log.compactTo(snapshot.index());
        latestSnapshot = Optional.of(snapshot);
    }

    /**
     * Ends quiescence because the host stopped hearing from the nodes the quiet relies on. For a
     * follower, its leader's node: the leader's lease counts as expired, so the replica grants
     * votes and campaigns if the leader stays silent for an election timeout. For a leader, a
     * quorum of its voters' nodes: it starts a fresh check-quorum period, and steps down at its end
     * unless a quorum answers.
     */
    public void wakeUp() {
        if (!quiesced) {
            return;
        }
        resume();
        if (role == Role.LEADER) {
            leadership.wakeUp();
        } else {
            electionTimer.expireLease();
        }
    }

    public boolean isQuiesced() {
        return quiesced;
    }

    /** Leaves quiescence; a leader starts a fresh check-quorum period, having heard no one. */
    private void resume() {
        if (!quiesced) {
            return;
        }
        quiesced = false;
        if (role == Role.LEADER) {
            leadership.resume();
        }
    }

    // ---------------------------------------------------------------- outputs

    /** Whether {@link #ready()} has anything to hand out. */
    public boolean hasReady() {
        return (role == Role.LEADER && leadership.hasBroadcasts())
                || output.hasReady(term, votedFor);
    }

    /** Hands out the pending work; see {@link Ready} for what the host must do with it. */
    public Ready ready() {
        if (role == Role.LEADER) {
            leadership.flushBroadcasts();
        }
        return output.ready(new HardState(term, votedFor, log.commitIndex()), role == Role.LEADER);
    }

    /** Acknowledges that the host persisted, sent and applied {@code ready}. */
    public void advance(Ready ready) {
        output.advance(ready);
        if (role == Role.LEADER) {
            leadership.advance();
        }
    }

    // ---------------------------------------------------------------- status

    public NodeId id() {
        return id;
    }

    public Role role() {
        return role;
    }

    public long term() {
        return term;
    }

    public Optional<NodeId> leader() {
        return leader;
    }

    public Membership membership() {
        return reconfiguration.membership();
    }

    public long appliedIndex() {
        return log.appliedIndex();
    }

    public long commitIndex() {
        return log.commitIndex();
    }

    /** Bytes of log entries after the latest snapshot: what a snapshot would free. */
    public long logBytesSinceSnapshot() {
        return log.bytesAfterSnapshot();
    }

    /** Entries after the latest snapshot. */
    public int logEntriesSinceSnapshot() {
        return log.entryCount();
    }

    public RaftStatus status() {
        return new RaftStatus(
                id,
                role,
                term,
                leader,
                log.commitIndex(),
                log.appliedIndex(),
                log.lastIndex(),
                log.snapshotIndex(),
                membership(),
                reconfiguration.lastChangeIndex());
    }

    /**
     * On a leader, the log index each member is known to hold, its own included, sorted by node:
     * how far behind each replica is. Empty on other replicas.
     */
    public Map<NodeId, Long> matchIndexes() {
        return role == Role.LEADER ? leadership.matchIndexes() : Map.of();
    }

    // ---------------------------------------------------------------- terms and roles

    /**
     * Applies the rules for a message from a higher term; returns whether to go on handling it.
     * Votes are ignored while a leader is known to be alive (thesis section 4.2.3), so a
     * partitioned replica that comes back cannot depose a healthy leader; a pre-vote never changes
     * the term.
     */
    private boolean acceptHigherTerm(Message message) {
        if (message instanceof RequestVote request) {
            boolean leaderAlive =
                    options.checkQuorum()
                            && leader.isPresent()
                            && electionTimer.elapsed() < options.electionTicksMin();
            if (leaderAlive && !request.leadershipTransfer()) {
                return false;
            }
            if (!request.preVote()) {
                becomeFollower(message.term(), Optional.empty());
            }
            return true;
        }
        if (message instanceof RequestVoteResponse response && response.preVote()) {
            if (response.granted()) {
                return true; // a granted pre-vote carries the term the campaign would use
            }
            becomeFollower(message.term(), Optional.empty());
            return false;
        }
        boolean fromLeader =
                message instanceof AppendEntries
                        || message instanceof Heartbeat
                        || message instanceof InstallSnapshot;
        becomeFollower(message.term(), fromLeader ? Optional.of(message.from()) : Optional.empty());
        return true;
    }

    /** Answers a message from an older term so that its stale sender learns the newer one. */
    private void answerLowerTerm(Message message) {
        if (message instanceof AppendEntries || message instanceof Heartbeat) {
            send(follower.rejectAppend(message.from(), 0, 0, 0));
        } else if (message instanceof RequestVote request && request.preVote()) {
            send(new RequestVoteResponse(id, request.from(), term, false, true));
        }
        // Stale replies and votes carry nothing this replica needs.
    }

    void becomeFollower(long newTerm, Optional<NodeId> newLeader) {
        Check.that(newTerm >= term, "%s: term goes back from %d to %d", id, term, newTerm);
        if (newTerm > term) {
            term = newTerm;
            votedFor = Optional.empty();
        }
        role = Role.FOLLOWER;
        leader = newLeader;
        resetRoleState();
    }

    void becomePreCandidate() {
        Check.that(role != Role.LEADER, "a leader does not pre-campaign");
        role = Role.PRE_CANDIDATE;
        leader = Optional.empty();
        resetRoleState();
    }

    void becomeCandidate() {
        Check.that(role != Role.LEADER, "a leader does not campaign");
        term++;
        votedFor = Optional.of(id);
        role = Role.CANDIDATE;
        leader = Optional.empty();
        resetRoleState();
    }

    void becomeLeader() {
        Check.that(role == Role.CANDIDATE, "%s became leader from %s", id, role);
        role = Role.LEADER;
        leader = Optional.of(id);
        resetRoleState();
        // Appends the no-op that commits the entries of earlier terms (Raft section 5.4.2, 8).
        leadership = new Leadership(this, options, log, reconfiguration, reads, electionTimer);
    }

    private void resetRoleState() {
        quiesced = false;
        electionTimer.reset();
        election.clearVotes();
        leadership = null;
        // Pending reads of a former leader are dropped; the host fails them on the role change.
        reads.clear();
    }

    /** Any message from the current term's leader makes this replica its follower. */
    void followLeader(Message message) {
        Check.that(
                role != Role.LEADER, "two leaders in term %d: %s and %s", term, id, message.from());
        if (role != Role.FOLLOWER) {
            becomeFollower(term, Optional.of(message.from()));
        }
        leader = Optional.of(message.from());
        electionTimer.restart();
    }

    // ---------------------------------------------------------------- for the role classes

    /** Queues {@code message} for the next {@link #ready()}. */
    void send(Message message) {
        output.send(message);
    }

    /** Queues reads confirmed by the leader for the next {@link #ready()}. */
    void releaseReads(List<ReadState> released) {
        output.releaseReads(released);
    }

    /** This term's leadership; only while the role is {@link Role#LEADER}. */
    Leadership leadership() {
        return leadership;
    }

    Optional<NodeId> votedFor() {
        return votedFor;
    }

    /** Records a vote granted in the current term; durable once a Ready carries it. */
    void voteFor(NodeId candidate) {
        votedFor = Optional.of(candidate);
    }

    /** Starts or stops quiescence: a leader as it heartbeats, a follower as that heartbeat says. */
    void quiesce(boolean quiet) {
        quiesced = quiet;
    }

    Optional<Snapshot> latestSnapshot() {
        return latestSnapshot;
    }

    /**
     * Takes {@code snapshot}, restored from the leader, for the host to install at the next Ready.
     */
    void installFromLeader(Snapshot snapshot) {
        latestSnapshot = Optional.of(snapshot);
        output.install(snapshot);
    }
}
