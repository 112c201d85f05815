package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.core.Budget;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftBug;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.core.ReadState;
import io.raftkv.raft.core.Ready;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.core.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs many Raft groups of one node on one loop thread (DESIGN.md rule 2).
 *
 * <p>Each round: hand inbound envelopes to their groups, deliver ticks, collect a {@link Ready}
 * from every group that has one, persist all of them in one storage batch (one sync), then, once
 * storage reports the batch durable, send the messages coalesced per destination node, apply, serve
 * reads and advance. While a batch is in flight the loop keeps accepting proposals and reads;
 * inbound envelopes and ticks wait for the batch to finish, so each replica sees no step between
 * its {@code ready()} and {@code advance()}.
 *
 * <p>Fail-stop (DESIGN.md rule 6): anything thrown inside the host, by a replica, a state machine,
 * a callback or storage, goes to {@link FailStop#stop} with the node, group and log index it was
 * handling, and the host does nothing more. NB: a round cut short leaves a {@code Ready} applied in
 * part and never advanced, so going on would apply its first entries twice.
 *
 * <p>Threading: every method must be called on the loop thread that {@code loop} runs tasks on.
 * Callbacks run on that thread too.
 */
public final class GroupHost {
    private long proposals;
    private long applied;

    private final NodeId self;
    private final HostOptions options;
    private final RaftStorage storage;
    private final Transport transport;
    private final Executor loop;
    private final FailStop failStop;
    private final TreeMap<GroupId, HostedGroup> groups = new TreeMap<>();
    private final ArrayDeque<Envelope> inbound = new ArrayDeque<>();

    /** What {@code inbound} holds, against {@link HostOptions#inboundBytesMax()}. */
    private final Budget inboundBudget;

    private final TreeMap<GroupId, Snapshot> snapshotsToPersist = new TreeMap<>();

    /** The tick at which each peer node was last heard from (any frame, even an empty one). */
    private final TreeMap<NodeId, Long> lastHeardTick = new TreeMap<>();

    private long ticks;

    /** Whether every hosted replica was quiesced at the end of the last round. */
    private boolean allQuiesced;

    /** The nodes this one shares a group with; recomputed after groups or memberships change. */
    private TreeSet<NodeId> peerNodes;

    private int pendingTicks;
    private boolean roundScheduled;
    private boolean batchInFlight;
    private long nextReadId;
    private long droppedEnvelopes;

    /** What the loop is doing now, for the fail-stop line: a group, and an index within it. */
    private GroupId handlingGroup;

    private String handlingStep = "";
    private long handlingIndex;

    /** Set once something has thrown: the host is broken and does nothing more. */
    private boolean stopped;

    public GroupHost(
            NodeId self,
            HostOptions options,
            RaftStorage storage,
            Transport transport,
            Executor loop,
            FailStop failStop) {
        this.self = self;
        this.options = options;
        this.storage = storage;
        this.transport = transport;
        this.loop = loop;
        this.failStop = failStop;
        this.inboundBudget = new Budget(options.inboundMax(), options.inboundBytesMax());
    }

    public NodeId self() {
        return self;
    }

    // ---------------------------------------------------------------- groups

    /**
     * Starts this node's replica of {@code group}, from whatever storage holds for it. A stored
     * snapshot is restored into {@code stateMachine}; committed entries after it are re-applied.
     * {@code membership} is the group's until the stored snapshot or log says otherwise: its
     * founding voters for a founding replica, or the voters with this node as a learner for a
     * replica added later.
     */
    public void addGroup(
            GroupId group, Membership membership, StateMachine stateMachine, long randomSeed) {
        Check.argument(!groups.containsKey(group), "%s already hosts %s", self, group);
        Check.argument(membership.contains(self), "%s is not a replica of %s", self, group);
        guarded(
                () -> {
                    handling(group, "restoring", 0);
                    PersistedState persisted = storage.load(group);
                    persisted
                            .snapshot()
                            .ifPresent(snapshot -> stateMachine.restore(snapshot.data()));
                    RaftReplica replica =
                            new RaftReplica(
                                    self, membership, options.raft(), randomSeed, persisted);
                    groups.put(group, new HostedGroup(group, replica, stateMachine, options));
                    peerNodes = null;
                    scheduleRound();
                });
    }

    /**
     * Stops this node's replica of {@code group}, if it runs one, and deletes its stored state.
     * Also deletes the stored state of a group this host never started: what a crash kept of a
     * removal that was not yet durable (a restarted node does not host it again, so nothing else
     * would).
     */
    public void removeGroup(GroupId group) {
        HostedGroup removed = groups.remove(group);
        peerNodes = null;
        if (removed != null) {
            removed.failWaiters();
            snapshotsToPersist.remove(group);
        }
        if (removed != null || storage.groups().contains(group)) {
            storage.remove(group);
        }
    }

    public boolean hosts(GroupId group) {
        return groups.containsKey(group);
    }

    public List<GroupId> groupIds() {
        return List.copyOf(groups.keySet());
    }

    public Optional<RaftStatus> status(GroupId group) {
        return Optional.ofNullable(groups.get(group)).map(hosted -> hosted.replica().status());
    }

    /**
     * If this node leads {@code group}: the log index each replica is known to hold, sorted by
     * node. Empty otherwise. Loop thread only.
     */
    public Map<NodeId, Long> matchIndexes(GroupId group) {
        HostedGroup hosted = groups.get(group);
        return hosted == null ? Map.of() : hosted.replica().matchIndexes();
    }

    /** Whether this node's replica of {@code group} is quiesced (false if not hosted). */
    public boolean isQuiesced(GroupId group) {
        HostedGroup hosted = groups.get(group);
        return hosted != null && hosted.replica().isQuiesced();
    }

    /** The state machine of {@code group}, for reads inside a {@link ReadOutcome} callback. */
    public Optional<StateMachine> stateMachine(GroupId group) {
        return Optional.ofNullable(groups.get(group)).map(HostedGroup::stateMachine);
    }

    /** Proposals accepted by this host's leaders so far. Loop thread only. */
    public long proposals() {
        return proposals;
    }

    /** Entries applied by this host's replicas so far. Loop thread only. */
    public long appliedEntries() {
        return applied;
    }

    /**
     * Envelopes dropped so far because the inbound buffer was full (in count or bytes) or named a
     * group this host does not run. Loop thread only.
     */
    public long droppedEnvelopes() {
        return droppedEnvelopes;
    }

    // ---------------------------------------------------------------- inputs

    /** One tick of logical time for every group; the driver calls this every tick interval. */
    public void tick() {
        pendingTicks++;
        // NB: while every group is quiesced, ticks only matter at heartbeat boundaries (node
        // heartbeats, waking followers), so the ticks between them wait for the next round.
        if (allQuiesced && pendingTicks < options.raft().heartbeatTicks()) {
            return;
        }
        scheduleRound();
    }

    /**
     * Envelopes from node {@code from}, maybe none: an empty delivery is that node's liveness
     * heartbeat, which keeps the quiesced followers of its leaders asleep. Envelopes that do not
     * fit the inbound buffer ({@link HostOptions#inboundBytesMax()}) are dropped and counted.
     */
    public void receive(NodeId from, List<Envelope> envelopes) {
        lastHeardTick.put(from, ticks);
        for (Envelope envelope : envelopes) {
            long bytes = envelope.message().sizeBytes();
            if (!inboundBudget.admits(bytes)) {
                droppedEnvelopes++;
                continue;
            }
            inbound.addLast(envelope);
            inboundBudget.add(bytes);
        }
        scheduleRound();
    }

    /**
     * Proposes {@code command} to {@code group}. If accepted, {@code callback} later gets the
     * outcome; if rejected, the rejection is returned and the callback is never called.
     */
    public ProposeResult propose(
            GroupId group, byte[] command, Consumer<ProposalOutcome> callback) {
        HostedGroup hosted = groups.get(group);
        if (hosted == null || stopped) {
            return new Rejection.NotLeader(Optional.empty());
        }
        return guarded(
                () -> {
                    handling(group, "proposing", 0);
                    ProposeResult result = hosted.replica().propose(command);
                    if (result instanceof ProposeResult.Accepted accepted) {
                        proposals++;
                        hosted.awaitProposal(accepted.index(), accepted.term(), callback);
                        scheduleRound();
                    }
                    return result;
                });
    }

    /**
     * Starts a linearizable read of {@code group} for a request of {@code requestBytes}, which the
     * caller holds until the read is served: it counts against the group's pending reads, and past
     * them the read is Overloaded. If accepted, {@code callback} later runs once the state machine
     * may be read, or with the reason it may not.
     */
    public ReadResult read(GroupId group, int requestBytes, Consumer<ReadOutcome> callback) {
        Check.argument(requestBytes >= 0, "a request of %d bytes", requestBytes);
        HostedGroup hosted = groups.get(group);
        if (hosted == null || stopped) {
            return new Rejection.NotLeader(Optional.empty());
        }
        return guarded(
                () -> {
                    handling(group, "reading", 0);
                    long bytes = HostOptions.READ_OVERHEAD_BYTES + (long) requestBytes;
                    Optional<Rejection.Overloaded> full = hosted.readRefusal(bytes);
                    if (full.isPresent()) {
                        return full.get();
                    }
                    long requestId = ++nextReadId;
                    ReadResult result = hosted.replica().readIndex(requestId);
                    if (result instanceof ReadResult.Queued) {
                        hosted.awaitRead(requestId, bytes, callback);
                        scheduleRound();
                    }
                    return result;
                });
    }

    /**
     * Proposes one membership change to {@code group}, as {@link RaftReplica#proposeMembership}
     * says. If accepted, {@code callback} later gets the outcome: {@link ProposalOutcome.Applied}
     * once the change is committed; if refused or rejected, the answer is returned and the callback
     * is never called.
     */
    public ChangeResult changeMembership(
            GroupId group, MembershipChange change, Consumer<ProposalOutcome> callback) {
        HostedGroup hosted = groups.get(group);
        if (hosted == null || stopped) {
            return new Rejection.NotLeader(Optional.empty());
        }
        return guarded(
                () -> {
                    handling(group, "changing membership", 0);
                    ChangeResult result = hosted.replica().proposeMembership(change);
                    if (result instanceof ProposeResult.Accepted accepted) {
                        hosted.awaitProposal(accepted.index(), accepted.term(), callback);
                        scheduleRound();
                    }
                    return result;
                });
    }

    /** Asks {@code group}'s leader on this node to hand leadership to {@code target}. */
    public boolean transferLeadership(GroupId group, NodeId target) {
        HostedGroup hosted = groups.get(group);
        if (hosted == null || stopped) {
            return false;
        }
        return guarded(
                () -> {
                    handling(group, "transferring leadership", 0);
                    boolean started = hosted.replica().transferLeadership(target);
                    if (started) {
                        scheduleRound();
                    }
                    return started;
                });
    }

    /**
     * Drops every later message to {@code group} from {@code nodes}: replicas an unsafe recovery
     * cut off, which must never take part in the group again. Replaces the set given before.
     */
    public void fence(GroupId group, Set<NodeId> nodes) {
        HostedGroup hosted = groups.get(group);
        if (hosted != null) {
            hosted.fence(nodes);
        }
    }

    /**
     * Makes this node's replica of {@code group} the group's only voter, as {@link
     * RaftReplica#forceSoleVoter} says (unsafe: the operator's last resort). Returns whether it is
     * now; false if the group is not hosted here or must be asked again later.
     */
    public boolean forceSoleVoter(GroupId group) {
        HostedGroup hosted = groups.get(group);
        if (hosted == null || stopped) {
            return false;
        }
        return guarded(
                () -> {
                    handling(group, "forcing a sole voter", 0);
                    boolean done = hosted.replica().forceSoleVoter();
                    scheduleRound();
                    return done;
                });
    }

    // ---------------------------------------------------------------- the round

    private void scheduleRound() {
        if (!roundScheduled && !batchInFlight && !stopped) {
            roundScheduled = true;
            execute(() -> guarded(this::runRound));
        }
    }

    /**
     * Runs {@code task} on the loop, unless the loop refuses it because the node is closing: then
     * nothing more runs on it anyway. NB: a refusal is no fault; on the storage thread it would
     * otherwise fail the log, and on the loop it would fail-stop a node that is closing cleanly.
     */
    private void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException closing) {
            // the node is closing
        }
    }

    private void runRound() {
        roundScheduled = false;
        if (batchInFlight || stopped) {
            return;
        }
        handling(null, "starting a round", 0);
        stepInbound();
        deliverTicks();
        TreeMap<GroupId, Ready> readies = collectReadies();
        List<GroupWrite> writes = writesFor(readies);
        if (readies.isEmpty() && writes.isEmpty()) {
            return;
        }
        batchInFlight = true;
        handling(null, "persisting a batch", 0);
        if (writes.stream().noneMatch(GroupWrite::sync)) {
            // Only commit indexes changed: written in order with later batches, waited for by
            // nothing (Ready's contract), so replies to clients need no storage round trip.
            if (!writes.isEmpty()) {
                storage.persist(writes, () -> {});
            }
            finishRound(readies, messagesOf(readies));
        } else {
            TreeMap<GroupId, List<Message>> afterPersist = sendBroadcasts(readies);
            storage.persist(
                    writes, () -> execute(() -> guarded(() -> finishRound(readies, afterPersist))));
        }
    }

    /**
     * Sends, before the round is persisted, the broadcasts of leaders whose term and vote are
     * durable ({@link Ready#broadcastsFirst}): followers write the entries while the leader does.
     * Returns the messages that must wait for the round to be durable.
     */
    private TreeMap<GroupId, List<Message>> sendBroadcasts(TreeMap<GroupId, Ready> readies) {
        TreeMap<GroupId, List<Message>> now = new TreeMap<>();
        TreeMap<GroupId, List<Message>> later = new TreeMap<>();
        for (var entry : readies.entrySet()) {
            Ready ready = entry.getValue();
            for (Message message : ready.messages()) {
                boolean early =
                        (ready.broadcastsFirst() && Ready.isBroadcast(message))
                                || (message instanceof Message.RequestVoteResponse
                                        && PlantedBugs.planted(RaftBug.VOTE_WITHOUT_PERSIST));
                (early ? now : later)
                        .computeIfAbsent(entry.getKey(), group -> new ArrayList<>())
                        .add(message);
            }
        }
        handling(null, "sending broadcasts", 0);
        sendCoalesced(now);
        return later;
    }

    private static TreeMap<GroupId, List<Message>> messagesOf(TreeMap<GroupId, Ready> readies) {
        TreeMap<GroupId, List<Message>> messages = new TreeMap<>();
        readies.forEach((group, ready) -> messages.put(group, ready.messages()));
        return messages;
    }

    private void stepInbound() {
        while (!inbound.isEmpty()) {
            Envelope envelope = inbound.removeFirst();
            HostedGroup hosted = groups.get(envelope.group());
            if (hosted == null || hosted.isFenced(envelope.message().from())) {
                droppedEnvelopes++;
                continue;
            }
            handling(hosted.id(), "stepping a message", 0); // no string building per envelope
            hosted.replica().step(envelope.message());
            hosted.noteLeadership();
        }
        inboundBudget.clear();
    }

    private void deliverTicks() {
        for (; pendingTicks > 0; pendingTicks--) {
            ticks++;
            for (HostedGroup hosted : groups.values()) {
                if (!hosted.replica().isQuiesced()) {
                    handling(hosted.id(), "ticking", 0);
                    hosted.replica().tick();
                    hosted.noteLeadership();
                }
            }
            if (ticks % options.raft().heartbeatTicks() == 0) {
                heartbeatPeerNodes();
                wakeReplicasOfSilentNodes();
            }
        }
        allQuiesced =
                !groups.isEmpty()
                        && groups.values().stream()
                                .allMatch(hosted -> hosted.replica().isQuiesced());
    }

    /**
     * One empty delivery to every node this one shares a group with: heartbeats per node pair, not
     * per group, so quiesced groups cost nothing between nodes (DESIGN.md rule 2).
     */
    private void heartbeatPeerNodes() {
        boolean membershipChanged = false;
        for (HostedGroup hosted : groups.values()) {
            membershipChanged |= hosted.membershipChangedSinceLastLook();
        }
        if (peerNodes == null || membershipChanged) {
            peerNodes = new TreeSet<>();
            for (HostedGroup hosted : groups.values()) {
                peerNodes.addAll(hosted.replica().membership().members());
            }
            peerNodes.remove(self);
        }
        for (NodeId peer : peerNodes) {
            lastHeardTick.putIfAbsent(peer, ticks);
            transport.send(peer, List.of());
        }
    }

    /**
     * Wakes quiesced replicas that can no longer trust their quiet: a follower whose leader's node
     * has been silent for an election timeout (it may then campaign), and a leader that no longer
     * hears a quorum of its voters' nodes (check-quorum then makes it step down, instead of its
     * claiming leadership until the next proposal).
     */
    private void wakeReplicasOfSilentNodes() {
        for (HostedGroup hosted : groups.values()) {
            RaftReplica replica = hosted.replica();
            if (!replica.isQuiesced()) {
                continue;
            }
            boolean trustsItsQuiet =
                    replica.role() == Role.LEADER
                            ? hearsQuorum(replica.membership())
                            : replica.leader().map(leader -> !isSilent(leader)).orElse(false);
            if (!trustsItsQuiet) {
                replica.wakeUp();
            }
        }
    }

    private boolean hearsQuorum(Membership membership) {
        long heard =
                membership.voters().stream()
                        .filter(voter -> voter.equals(self) || !isSilent(voter))
                        .count();
        return heard >= membership.quorum();
    }

    /** Whether nothing has come from {@code node} for an election timeout. */
    private boolean isSilent(NodeId node) {
        return ticks - lastHeardTick.getOrDefault(node, ticks) >= options.raft().electionTicksMin();
    }

    private TreeMap<GroupId, Ready> collectReadies() {
        TreeMap<GroupId, Ready> readies = new TreeMap<>();
        for (HostedGroup hosted : groups.values()) {
            handling(hosted.id(), "collecting a ready", 0);
            if (hosted.replica().hasReady()) {
                readies.put(hosted.id(), hosted.replica().ready());
            }
        }
        return readies;
    }

    private List<GroupWrite> writesFor(TreeMap<GroupId, Ready> readies) {
        List<GroupWrite> writes = new ArrayList<>();
        for (var entry : readies.entrySet()) {
            Ready ready = entry.getValue();
            Optional<Snapshot> local =
                    Optional.ofNullable(snapshotsToPersist.remove(entry.getKey()));
            if (ready.needsPersist() || local.isPresent()) {
                Optional<Snapshot> snapshot = ready.snapshot().or(() -> local);
                writes.add(
                        new GroupWrite(
                                entry.getKey(),
                                ready.hardState(),
                                snapshot,
                                ready.snapshot().isPresent(),
                                ready.entries(),
                                ready.mustSync() || local.isPresent()));
            }
        }
        snapshotsToPersist.forEach(
                (group, snapshot) ->
                        writes.add(
                                new GroupWrite(
                                        group,
                                        Optional.empty(),
                                        Optional.of(snapshot),
                                        false,
                                        List.of(),
                                        true)));
        snapshotsToPersist.clear();
        return writes;
    }

    /** After the batch is durable: send, apply, serve reads, advance. */
    private void finishRound(
            TreeMap<GroupId, Ready> readies, TreeMap<GroupId, List<Message>> messages) {
        if (stopped) {
            return;
        }
        batchInFlight = false;
        handling(null, "sending", 0);
        sendCoalesced(messages);
        for (var entry : readies.entrySet()) {
            HostedGroup hosted = groups.get(entry.getKey());
            if (hosted != null) {
                applyReady(hosted, entry.getValue());
            }
        }
        for (GroupId pinning : storage.groupsToSnapshot()) {
            Optional.ofNullable(groups.get(pinning))
                    .ifPresent(hosted -> maybeSnapshot(hosted, true));
        }
        if (!inbound.isEmpty() || pendingTicks > 0 || anyHasReady()) {
            scheduleRound();
        }
    }

    private void sendCoalesced(TreeMap<GroupId, List<Message>> messages) {
        TreeMap<NodeId, List<Envelope>> byDestination = new TreeMap<>();
        for (var entry : messages.entrySet()) {
            for (Message message : entry.getValue()) {
                byDestination
                        .computeIfAbsent(message.to(), to -> new ArrayList<>())
                        .add(new Envelope(entry.getKey(), message));
            }
        }
        byDestination.forEach(transport::send);
    }

    private void applyReady(HostedGroup hosted, Ready ready) {
        ready.snapshot()
                .ifPresent(
                        snapshot -> {
                            handling(hosted.id(), "restoring snapshot at index", snapshot.index());
                            hosted.restore(snapshot);
                        });
        for (Entry entry : ready.committedEntries()) {
            handling(hosted.id(), "applying index", entry.index());
            hosted.apply(entry);
        }
        applied += ready.committedEntries().size();
        handling(hosted.id(), "advancing to index", hosted.replica().appliedIndex());
        for (ReadState readState : ready.readStates()) {
            hosted.confirmRead(readState);
        }
        hosted.replica().advance(ready);
        handling(hosted.id(), "serving reads at index", hosted.replica().appliedIndex());
        hosted.serveReads();
        hosted.noteLeadership();
        maybeSnapshot(hosted, false);
    }

    /**
     * Takes a snapshot once the log since the last one passes a size threshold, or when storage
     * asks ({@code requested}) because the group's old entries pin it.
     */
    private void maybeSnapshot(HostedGroup hosted, boolean requested) {
        RaftReplica replica = hosted.replica();
        boolean due =
                requested
                        || replica.logEntriesSinceSnapshot() >= options.snapshotEntries()
                        || replica.logBytesSinceSnapshot() >= options.snapshotLogBytes();
        long applied = replica.appliedIndex();
        if (!due || applied <= replica.status().snapshotIndex()) {
            return;
        }
        handling(hosted.id(), "taking a snapshot at index", applied);
        Snapshot snapshot =
                new Snapshot(replica.snapshotMetaAt(applied), hosted.stateMachine().snapshot());
        replica.compact(snapshot);
        snapshotsToPersist.put(hosted.id(), snapshot);
        scheduleRound();
    }

    // ---------------------------------------------------------------- fail-stop

    /** Notes what the loop is doing, so that a fault can be located. */
    private void handling(GroupId group, String step, long index) {
        handlingGroup = group;
        handlingStep = step;
        handlingIndex = index;
    }

    private void guarded(Runnable step) {
        guarded(
                () -> {
                    step.run();
                    return null;
                });
    }

    /**
     * Runs {@code step}; if it throws anything, stops the host and hands the fault to {@link
     * FailStop#stop}, which does not return.
     */
    private <T> T guarded(Supplier<T> step) {
        GroupId outerGroup = handlingGroup;
        String outerStep = handlingStep;
        long outerIndex = handlingIndex;
        try {
            return step.get();
        } catch (Throwable cause) {
            if (!stopped) { // NB: a nested guard (a callback proposing) reports the fault once
                stopped = true;
                failStop.stop(where(), cause);
            }
            throw cause; // precise rethrow: only unchecked exceptions and errors reach here
        } finally {
            handling(outerGroup, outerStep, outerIndex);
        }
    }

    /**
     * The node, and the group, step and index it was handling: {@code n2 g100 applying index 7}.
     */
    private String where() {
        String group = handlingGroup == null ? "" : " " + handlingGroup;
        String index = handlingIndex > 0 ? " " + handlingIndex : "";
        return "%s%s %s%s".formatted(self, group, handlingStep, index).stripTrailing();
    }

    private boolean anyHasReady() {
        return !snapshotsToPersist.isEmpty()
                || groups.values().stream().anyMatch(hosted -> hosted.replica().hasReady());
    }
}
