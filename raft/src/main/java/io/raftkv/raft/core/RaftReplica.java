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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

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
    private final SplittableRandom random;
    private final RaftLog log;
    private final ReadIndexQueue reads = new ReadIndexQueue();

    /** Leader only: bounds the entries after the commit index. */
    private final UncommittedTracker uncommitted;

    /** Candidates and pre-candidates: the votes received in the current round. */
    private final TreeMap<NodeId, Boolean> votes = new TreeMap<>();

    private final List<Message> outbox = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();

    private final MembershipHistory memberships;

    /** The membership this replica acts on: {@link MembershipHistory#current()} once adopted. */
    private Membership membership;

    private long term;
    private Optional<NodeId> votedFor;
    private Optional<NodeId> leader = Optional.empty();
    private Role role = Role.FOLLOWER;
    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    /** Leader only: the followers' progress and the messages that move it. */
    private Replicator replicator;

    private Optional<NodeId> transferTarget = Optional.empty();
    private int transferElapsed;

    /** Leader: new entries wait for the next {@link #ready()} to go out in one message each. */
    private boolean appendPending;

    /** The newest snapshot this replica holds, sent to followers behind the compacted log. */
    private Optional<Snapshot> latestSnapshot;

    private final SnapshotReceiver snapshotReceiver;
    private Optional<Snapshot> snapshotToInstall = Optional.empty();
    private HardState persistedHardState;

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
        this.random = new SplittableRandom(randomSeed);
        this.snapshotReceiver = new SnapshotReceiver(options.snapshotBytesMax());
        this.uncommitted = new UncommittedTracker(options);
        SnapshotMeta snapshotMeta =
                persisted.snapshot().map(Snapshot::meta).orElse(new SnapshotMeta(0, 0, membership));
        this.log =
                new RaftLog(snapshotMeta, persisted.entries(), persisted.hardState().commitIndex());
        this.memberships =
                new MembershipHistory(log, snapshotMeta.membership(), persisted.entries());
        this.membership = memberships.current();
        this.latestSnapshot = persisted.snapshot();
        this.term = persisted.hardState().term();
        this.votedFor = persisted.hardState().votedFor();
        this.persistedHardState = persisted.hardState();
        resetElectionTimer();
    }

    // ---------------------------------------------------------------- inputs

    /** Advances logical time by one tick (none while quiesced). */
    public void tick() {
        if (quiesced) {
            return;
        }
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
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
            case RequestVote request -> handleRequestVote(request);
            case RequestVoteResponse response -> handleVoteResponse(response);
            case AppendEntries request -> handleAppendEntries(request);
            case AppendEntriesResponse response -> handleAppendResponse(response);
            case Heartbeat request -> handleHeartbeat(request);
            case HeartbeatResponse response -> handleHeartbeatResponse(response);
            case InstallSnapshot request -> handleInstallSnapshot(request);
            case InstallSnapshotResponse response -> handleInstallSnapshotResponse(response);
            case TimeoutNow request -> handleTimeoutNow(request);
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
        Optional<Overloaded> overloaded = append(entry);
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
        if (!committedInCurrentTerm()) {
            return new ChangeResult.Refused(
                    "the leader has not committed an entry of term %d yet".formatted(term));
        }
        long pendingIndex = memberships.lastChangeIndex();
        if (pendingIndex > log.commitIndex()) {
            return new ChangeResult.Refused(
                    "the membership change at index %d is not committed yet"
                            .formatted(pendingIndex));
        }
        Membership next;
        try {
            next = change.applyTo(membership);
        } catch (IllegalArgumentException invalid) {
            return new ChangeResult.Refused(invalid.getMessage());
        }
        Entry entry = Entry.membership(log.lastIndex() + 1, term, next);
        Optional<Overloaded> overloaded = append(entry);
        if (overloaded.isPresent()) {
            return overloaded.get();
        }
        memberships.appended(entry);
        adoptMembership(next);
        return new ProposeResult.Accepted(entry.index(), term);
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
        if (membership.equals(sole)) {
            return true;
        }
        if (snapshotToInstall.isPresent()) {
            return false;
        }
        resume();
        becomeFollower(term + 1, Optional.empty());
        Entry entry = Entry.membership(log.lastIndex() + 1, term, sole);
        log.appendOne(entry);
        memberships.appended(entry);
        adoptMembership(sole);
        electionElapsed = randomizedElectionTimeout; // campaigns at the next tick
        return true;
    }

    /** Why this replica cannot take a proposal now: it does not lead, or not as a voter. */
    private Optional<NotLeader> notLeadingRefusal() {
        if (role != Role.LEADER) {
            return Optional.of(new NotLeader(leader));
        }
        resume();
        if (transferTarget.isPresent()) {
            return Optional.of(new NotLeader(transferTarget));
        }
        if (!membership.isVoter(id)) {
            return Optional.of(new NotLeader(Optional.empty())); // removed; about to step down
        }
        return Optional.empty();
    }

    /** Appends {@code entry} as the leader, unless the uncommitted entries leave no room. */
    private Optional<Overloaded> append(Entry entry) {
        Optional<Overloaded> overloaded = uncommitted.refusal(entry.sizeBytes());
        if (overloaded.isEmpty()) {
            log.appendOne(entry);
            uncommitted.appended(entry);
            appendPending = true;
        }
        return overloaded;
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
        if (!membership.isVoter(id)) {
            return new NotLeader(Optional.empty());
        }
        if (reads.pendingCount() >= options.pendingReadsMax()) {
            return new Overloaded(
                    "pending reads: %d of at most %d"
                            .formatted(reads.pendingCount(), options.pendingReadsMax()));
        }
        if (PlantedBugs.planted(RaftBug.READ_WITHOUT_READ_INDEX)) {
            readStates.add(new ReadState(requestId, log.commitIndex()));
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
        if (role != Role.LEADER || target.equals(id) || !membership.isVoter(target)) {
            return false;
        }
        resume();
        transferTarget = Optional.of(target);
        transferElapsed = 0;
        if (replicator.progress(target).match() == log.lastIndex()) {
            send(new TimeoutNow(id, target, term));
        } else {
            replicator.sendAppend(target, true);
        }
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
        return new SnapshotMeta(index, log.term(index), memberships.at(index));
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
        memberships.compacted(snapshot.meta());
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
            replicator.markAllInactive(); // NB: and it stays awake until they answer (canQuiesce)
        } else {
            electionElapsed = options.electionTicksMin();
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
            electionElapsed = 0;
            heartbeatElapsed = 0;
            replicator.markAllActive();
        }
    }

    // ---------------------------------------------------------------- outputs

    /** Whether {@link #ready()} has anything to hand out. */
    public boolean hasReady() {
        return leaderHasBroadcasts()
                || !outbox.isEmpty()
                || !readStates.isEmpty()
                || hardStateChanged()
                || log.persistedIndex() < log.lastIndex()
                || snapshotToInstall.isPresent()
                || log.commitIndex() > log.appliedIndex();
    }

    /** Hands out the pending work; see {@link Ready} for what the host must do with it. */
    public Ready ready() {
        flushLeaderBroadcasts();
        HardState hardState = currentHardState();
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
                        role == Role.LEADER && !termOrVoteChanged);
        outbox.clear();
        readStates.clear();
        return ready;
    }

    /** Acknowledges that the host persisted, sent and applied {@code ready}. */
    public void advance(Ready ready) {
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
        if (role == Role.LEADER) {
            long ownDurable =
                    PlantedBugs.planted(RaftBug.COUNT_UNSYNCED_SELF)
                            ? log.lastIndex()
                            : log.persistedIndex();
            replicator.progress(id).maybeUpdate(ownDurable);
            maybeCommit();
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
        return membership;
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
                membership,
                memberships.lastChangeIndex());
    }

    /**
     * On a leader, the log index each member is known to hold, its own included, sorted by node:
     * how far behind each replica is. Empty on other replicas.
     */
    public Map<NodeId, Long> matchIndexes() {
        return role == Role.LEADER ? replicator.matchIndexes() : Map.of();
    }

    // ---------------------------------------------------------------- membership

    private void adoptMembership(Membership next) {
        if (next.equals(membership)) {
            return;
        }
        membership = next;
        if (role == Role.LEADER) {
            replicator.membershipChanged(next, memberships.lastChangeIndex());
        } else if (!next.isVoter(id) && role != Role.FOLLOWER) {
            becomeFollower(term, Optional.empty()); // a non-voter's campaign counts for nothing
        }
    }

    /**
     * A leader whose own removal has committed stops leading (thesis section 4.2.2). It first tells
     * the most caught-up voter to campaign at once, so the group is not leaderless for an election
     * timeout.
     */
    private void stepDownIfRemoved() {
        if (membership.isVoter(id) || memberships.lastChangeIndex() > log.commitIndex()) {
            return;
        }
        replicator.caughtUpVoter().ifPresent(voter -> send(new TimeoutNow(id, voter, term)));
        becomeFollower(term, Optional.empty());
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
                            && electionElapsed < options.electionTicksMin();
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
            send(rejectAppend(message.from(), 0, 0, 0));
        } else if (message instanceof RequestVote request && request.preVote()) {
            send(new RequestVoteResponse(id, request.from(), term, false, true));
        }
        // Stale replies and votes carry nothing this replica needs.
    }

    private void becomeFollower(long newTerm, Optional<NodeId> newLeader) {
        Check.that(newTerm >= term, "%s: term goes back from %d to %d", id, term, newTerm);
        if (newTerm > term) {
            term = newTerm;
            votedFor = Optional.empty();
        }
        role = Role.FOLLOWER;
        leader = newLeader;
        resetRoleState();
    }

    private void becomePreCandidate() {
        Check.that(role != Role.LEADER, "a leader does not pre-campaign");
        role = Role.PRE_CANDIDATE;
        leader = Optional.empty();
        resetRoleState();
    }

    private void becomeCandidate() {
        Check.that(role != Role.LEADER, "a leader does not campaign");
        term++;
        votedFor = Optional.of(id);
        role = Role.CANDIDATE;
        leader = Optional.empty();
        resetRoleState();
    }

    private void becomeLeader() {
        Check.that(role == Role.CANDIDATE, "%s became leader from %s", id, role);
        role = Role.LEADER;
        leader = Optional.of(id);
        resetRoleState();
        replicator =
                new Replicator(
                        id, term, membership, options, log, () -> latestSnapshot, this::send);
        // Commits the entries of earlier terms and lets reads start (Raft section 5.4.2, 8).
        log.appendOne(Entry.noop(log.lastIndex() + 1, term));
        uncommitted.reset(log);
        appendPending = true;
    }

    private void resetRoleState() {
        quiesced = false;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        resetElectionTimer();
        votes.clear();
        replicator = null;
        transferTarget = Optional.empty();
        appendPending = false;
        // Pending reads of a former leader are dropped; the host fails them on the role change.
        reads.clear();
    }

    private void resetElectionTimer() {
        randomizedElectionTimeout =
                random.nextInt(options.electionTicksMin(), options.electionTicksMax());
    }

    /** Whether term, vote or commit differ from what was last persisted (without allocating). */
    private boolean hardStateChanged() {
        return term != persistedHardState.term()
                || log.commitIndex() != persistedHardState.commitIndex()
                || !votedFor.equals(persistedHardState.votedFor());
    }

    private HardState currentHardState() {
        return new HardState(term, votedFor, log.commitIndex());
    }

    private void send(Message message) {
        outbox.add(message);
    }

    /** The other voters: whom a candidate asks for votes. */
    private List<NodeId> otherVoters() {
        return membership.voters().stream().filter(voter -> !voter.equals(id)).toList();
    }

    // ---------------------------------------------------------------- elections

    private void tickElection() {
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout) {
            campaign(false);
        }
    }

    /** Starts an election, with a pre-vote round first unless a leader asked for it. */
    private void campaign(boolean leadershipTransfer) {
        boolean removedButCampaigns =
                !membership.contains(id) && PlantedBugs.planted(RaftBug.REMOVED_REPLICA_VOTES);
        if (!membership.isVoter(id) && !removedButCampaigns) {
            return;
        }
        if (options.preVote() && !leadershipTransfer) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
        requestVotes(leadershipTransfer);
    }

    private void requestVotes(boolean leadershipTransfer) {
        boolean preVote = role == Role.PRE_CANDIDATE;
        votes.put(id, true);
        if (tallyVotes()) {
            return;
        }
        long voteTerm = preVote ? term + 1 : term;
        for (NodeId peer : otherVoters()) {
            send(
                    new RequestVote(
                            id,
                            peer,
                            voteTerm,
                            log.lastIndex(),
                            log.lastTerm(),
                            preVote,
                            leadershipTransfer));
        }
    }

    /** Acts on the votes so far; returns true if the round is decided. */
    private boolean tallyVotes() {
        return switch (Quorum.voteResult(membership.voters().size(), votes.values())) {
            case WON -> {
                if (role == Role.PRE_CANDIDATE) {
                    becomeCandidate();
                    requestVotes(false);
                } else {
                    becomeLeader();
                }
                yield true;
            }
            case LOST -> {
                becomeFollower(term, Optional.empty());
                yield true;
            }
            case PENDING -> false;
        };
    }

    /**
     * Grants a vote as Raft section 5.4.1 says, whatever this replica's own membership (thesis
     * section 4.1): a learner whose promotion has not reached it yet may be needed for a majority.
     * NB: except a replica with an empty log that is no voter in its own view (a learner just
     * added): it can have promised nothing, and its vote would go to any log.
     */
    private void handleRequestVote(RequestVote request) {
        boolean mayVote = membership.isVoter(id) || log.lastIndex() > 0;
        boolean canVote =
                mayVote
                        && (votedFor.equals(Optional.of(request.from()))
                                || (votedFor.isEmpty() && leader.isEmpty())
                                || (request.preVote() && request.term() > term));
        boolean granted = canVote && log.isUpToDate(request.lastLogIndex(), request.lastLogTerm());
        long answerTerm = granted ? request.term() : term;
        send(new RequestVoteResponse(id, request.from(), answerTerm, granted, request.preVote()));
        if (granted && !request.preVote()) {
            electionElapsed = 0;
            votedFor = Optional.of(request.from());
        }
    }

    private void handleVoteResponse(RequestVoteResponse response) {
        boolean expected =
                (role == Role.PRE_CANDIDATE && response.preVote())
                        || (role == Role.CANDIDATE && !response.preVote());
        if (!expected || !membership.isVoter(response.from())) {
            return;
        }
        votes.putIfAbsent(response.from(), response.granted());
        tallyVotes();
    }

    private void handleTimeoutNow(TimeoutNow request) {
        if (role == Role.FOLLOWER) {
            campaign(true);
        }
    }

    // ---------------------------------------------------------------- follower side

    /** Any message from the current term's leader makes this replica its follower. */
    private void followLeader(Message message) {
        Check.that(
                role != Role.LEADER, "two leaders in term %d: %s and %s", term, id, message.from());
        if (role != Role.FOLLOWER) {
            becomeFollower(term, Optional.of(message.from()));
        }
        leader = Optional.of(message.from());
        electionElapsed = 0;
    }

    private void handleAppendEntries(AppendEntries request) {
        followLeader(request);
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
            send(conflictAnswer(request));
            return;
        }
        long lastNew = log.appendFromLeader(prevIndex, entries);
        memberships.appendedFromLeader(prevIndex, entries);
        adoptMembership(memberships.current());
        log.commitTo(Math.min(request.leaderCommit(), lastNew));
        send(new AppendEntriesResponse(id, request.from(), term, true, lastNew, 0, 0, 0));
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

    private AppendEntriesResponse rejectAppend(
            NodeId to, long rejectedIndex, long conflictTerm, long conflictIndex) {
        return new AppendEntriesResponse(
                id, to, term, false, 0, rejectedIndex, conflictTerm, conflictIndex);
    }

    private void handleHeartbeat(Heartbeat request) {
        followLeader(request);
        log.commitTo(request.commitIndex());
        send(new HeartbeatResponse(id, request.from(), term, request.readContext()));
        quiesced = request.quiesce();
    }

    private void handleInstallSnapshot(InstallSnapshot request) {
        followLeader(request);
        if (request.meta().index() <= log.commitIndex()) {
            snapshotReceiver.reset();
            send(snapshotAnswer(request, 0, true, log.commitIndex()));
            return;
        }
        SnapshotReceiver.Receipt receipt = snapshotReceiver.accept(request);
        if (receipt.completed().isEmpty()) {
            send(snapshotAnswer(request, receipt.nextOffset(), false, 0));
            return;
        }
        restore(receipt.completed().get());
        send(snapshotAnswer(request, receipt.nextOffset(), true, request.meta().index()));
    }

    private InstallSnapshotResponse snapshotAnswer(
            InstallSnapshot request, long nextOffset, boolean done, long matchIndex) {
        return new InstallSnapshotResponse(
                id, request.from(), term, request.meta().index(), nextOffset, done, matchIndex);
    }

    /** Adopts a snapshot from the leader, unless the log already holds its last entry. */
    private void restore(Snapshot snapshot) {
        if (log.matchTerm(snapshot.index(), snapshot.term())) {
            log.commitTo(snapshot.index());
            return;
        }
        log.restore(snapshot.meta());
        memberships.restored(snapshot.meta());
        adoptMembership(memberships.current());
        latestSnapshot = Optional.of(snapshot);
        snapshotToInstall = Optional.of(snapshot);
    }

    // ---------------------------------------------------------------- leader side

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        replicator.forgetDeparted(log.commitIndex(), true);
        if (transferTarget.isPresent() && ++transferElapsed >= options.electionTicksMin()) {
            transferTarget = Optional.empty();
        }
        if (electionElapsed >= options.electionTicksMin()) {
            electionElapsed = 0;
            if (options.checkQuorum() && !replicator.quorumActive()) {
                becomeFollower(term, Optional.empty());
                return;
            }
        }
        if (heartbeatElapsed >= options.heartbeatTicks()) {
            heartbeatElapsed = 0;
            boolean quiesce = options.quiesce() && canQuiesce();
            replicator.broadcastHeartbeat(0, quiesce);
            quiesced = quiesce;
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

    private boolean leaderHasBroadcasts() {
        return role == Role.LEADER
                && (appendPending || (reads.hasUnsent() && committedInCurrentTerm()));
    }

    /** Sends what proposals and reads since the last Ready need, batched per follower. */
    private void flushLeaderBroadcasts() {
        if (role != Role.LEADER) {
            return;
        }
        if (appendPending) {
            appendPending = false;
            for (NodeId peer : replicator.peers()) {
                replicator.sendAppends(peer);
            }
        }
        if (reads.hasUnsent() && committedInCurrentTerm()) {
            if (membership.isSoleVoter(id)) {
                readStates.addAll(reads.releaseUnsent(log.commitIndex()));
            } else {
                replicator.broadcastHeartbeat(reads.sendBatch(log.commitIndex(), id), false);
            }
        }
    }

    /** A leader serves reads only once an entry of its own term is committed (section 8). */
    private boolean committedInCurrentTerm() {
        return log.term(log.commitIndex()) == term;
    }

    private void handleAppendResponse(AppendEntriesResponse response) {
        if (role != Role.LEADER || !replicator.handleAppendResponse(response)) {
            return;
        }
        maybeCommit();
        if (role != Role.LEADER) {
            return; // its own removal committed
        }
        Progress peer = replicator.progress(response.from());
        if (transferTarget.equals(Optional.of(response.from()))
                && peer.match() == log.lastIndex()) {
            send(new TimeoutNow(id, response.from(), term));
        }
        replicator.sendAppends(response.from());
        if (peer.match() == log.lastIndex() && peer.commitSent() < log.commitIndex()) {
            // A follower that acknowledged after the commit learns it now, not at the next beat.
            replicator.sendAppend(response.from(), true);
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse response) {
        if (role == Role.LEADER
                && replicator.handleHeartbeatResponse(response)
                && membership.isVoter(response.from())) {
            readStates.addAll(
                    reads.acknowledge(
                            response.from(), response.readContext(), membership.quorum()));
        }
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse response) {
        if (role == Role.LEADER) {
            replicator.handleInstallSnapshotResponse(response);
        }
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
}
