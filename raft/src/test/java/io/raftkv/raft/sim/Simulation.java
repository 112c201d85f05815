package io.raftkv.raft.sim;

import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.Envelope;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.RaftStorage;
import io.raftkv.raft.host.StateMachine;
import io.raftkv.raft.host.Transport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A whole simulated cluster: nodes hosting groups on the production {@link GroupHost}, a simulated
 * network and disks, virtual time, and one seed for every random choice.
 *
 * <p>After every event it checks: at most one leader per group and term; no replica's commit or
 * applied index goes backwards within one run of its node; and, through the {@link Ledger},
 * committed entries never change and replicas at equal applied indexes hold equal state. Every
 * message a node sends is checked against its disk: no acknowledgement or vote leaves before what
 * it promises is durable ({@link #checkPromises}).
 *
 * <p>A fault in a node's own code ({@link FailStop}) fails the run, unless the test asked for
 * {@link #haltNodesOnFault}: then the node crashes, as a node process halts.
 *
 * <p>Single-threaded: tests call it from their own thread, which runs every event.
 */
public final class Simulation {
    /** Makes the state machine of one replica. */
    @FunctionalInterface
    public interface StateMachineFactory {
        StateMachine create(NodeId node, GroupId group, Ledger ledger);
    }

    private record ReplicaKey(NodeId node, GroupId group) {}

    private record GroupTerm(GroupId group, long term) {}

    /** Unwinds a task of a node that has just halted; the scheduler drops it. */
    private static final class NodeHalted extends RuntimeException {
        NodeHalted() {
            super(null, null, false, false);
        }
    }

    private final long seed;
    private final SplittableRandom random;
    private final SimScheduler scheduler = new SimScheduler();
    private final TraceHash trace = new TraceHash();
    private final SimNetwork network;
    private final Ledger ledger = new Ledger();
    private final TreeMap<NodeId, SimNode> nodes = new TreeMap<>();
    private final TreeMap<GroupId, Membership> groups = new TreeMap<>();

    /** Each group's replicas, by node, with the membership each was started with. */
    private final TreeMap<GroupId, TreeMap<NodeId, Membership>> replicas = new TreeMap<>();

    private final Map<GroupTerm, NodeId> leaderOfTerm = new HashMap<>();

    /** Per replica of a running node: the last commit and applied index seen. */
    private final Map<ReplicaKey, long[]> lastIndexes = new HashMap<>();

    /**
     * Replicas removed from their nodes, which a restarted node deletes again if its disk still
     * holds them (a crash can undo a removal the real WAL had not made durable), as a real node's
     * registry tombstones make it do.
     */
    private final Set<ReplicaKey> removed = new HashSet<>();

    private final HostOptions hostOptions;
    private final StateMachineFactory stateMachines;
    private final long tickMillis;
    private final List<String> halts = new ArrayList<>();
    private boolean haltNodesOnFault;

    /** Set: nodes added from now on run the real write-ahead log ({@link WalDisk}). */
    private Optional<WalDisk.Settings> realWal = Optional.empty();

    public Simulation(long seed, HostOptions hostOptions, StateMachineFactory stateMachines) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.hostOptions = hostOptions;
        this.stateMachines = stateMachines;
        this.tickMillis = 10;
        this.network = new SimNetwork(scheduler, random.split(), trace, this::deliver);
    }

    /** A cluster of the Raft tests' hash-chain state machines. */
    public static Simulation withHashChains(long seed, HostOptions hostOptions) {
        return new Simulation(
                seed,
                hostOptions,
                (node, group, ledger) -> new HashChainStateMachine(node, group, ledger, 0));
    }

    public long seed() {
        return seed;
    }

    public SimScheduler scheduler() {
        return scheduler;
    }

    public SimNetwork network() {
        return network;
    }

    public Ledger ledger() {
        return ledger;
    }

    public long traceHash() {
        return trace.value();
    }

    public long nowMillis() {
        return scheduler.nowMillis();
    }

    /** A random source for test drivers, split from the seed. */
    public SplittableRandom random() {
        return random;
    }

    /**
     * From now on a fault in a node's code crashes that node (recorded in {@link #halts}) instead
     * of failing the run. A checker's {@link InvariantViolation} still fails it.
     */
    public void haltNodesOnFault() {
        haltNodesOnFault = true;
    }

    /** Where each halted node was, as its fail-stop line names it. */
    public List<String> halts() {
        return List.copyOf(halts);
    }

    /**
     * Nodes added (or given a new disk) from now on run the production write-ahead log over a
     * fault-injecting file system instead of the storage model (issue 15).
     */
    public void runRealWal(WalDisk.Settings settings) {
        realWal = Optional.of(settings);
    }

    /**
     * The faults are over: from now on no disk fails a sync (a node halted by one after the swarm
     * healed would stay down and look like a group that never converges).
     */
    public void stopStorageFaults() {
        realWal = realWal.map(settings -> new WalDisk.Settings(settings.options(), 0));
        for (SimNode node : nodes.values()) {
            if (node.disk() instanceof WalDisk wal) {
                wal.stopSyncFailures();
            }
        }
    }

    private SimDisk newDisk() {
        SplittableRandom diskRandom = random.split();
        return realWal.<SimDisk>map(settings -> new WalDisk(scheduler, diskRandom, settings))
                .orElseGet(() -> new SimStorage(scheduler, diskRandom));
    }

    // ---------------------------------------------------------------- topology

    /** Adds a node (down until {@link #start}). */
    public SimNode addNode(NodeId id) {
        SimNode node = new SimNode(id, newDisk());
        nodes.put(id, node);
        return node;
    }

    /** Adds a group; its replicas start on the members that are up, and with them later. */
    public void addGroup(GroupId group, Membership membership) {
        groups.put(group, membership);
        for (NodeId member : membership.members()) {
            addReplica(group, member, membership);
        }
    }

    /**
     * Hosts a replica of {@code group} on {@code node}, started with {@code membership} (which must
     * name the node) now if the node is up, and at every later start. A replica added to a running
     * group gets its log from the leader once a membership change names it.
     */
    public void addReplica(GroupId group, NodeId node, Membership membership) {
        replicas.computeIfAbsent(group, key -> new TreeMap<>()).put(node, membership);
        removed.remove(new ReplicaKey(node, group));
        SimNode simNode = nodes.get(node);
        if (simNode.isUp()) {
            startReplica(simNode, group);
        }
    }

    /**
     * Stops hosting {@code group} on {@code node}; its stored state is deleted, by the host if the
     * node is up, else straight from its disk (as an operator would delete a dead node's data).
     */
    public void removeReplica(GroupId group, NodeId node) {
        replicas.get(group).remove(node);
        lastIndexes.remove(new ReplicaKey(node, group));
        removed.add(new ReplicaKey(node, group));
        SimNode simNode = nodes.get(node);
        simNode.hostIfUp()
                .ifPresentOrElse(
                        host -> host.removeGroup(group),
                        () -> simNode.disk().removeWhileDown(group));
    }

    /** The nodes hosting a replica of {@code group}. */
    public List<NodeId> replicaNodes(GroupId group) {
        return List.copyOf(replicas.get(group).keySet());
    }

    /**
     * Replaces a node's disk with a blank one, as after a disk failure: the node is crashed first
     * and stays down until {@link #start}.
     */
    public void replaceDisk(NodeId id) {
        crash(id);
        nodes.get(id).replaceDisk(newDisk());
    }

    public SimNode node(NodeId id) {
        return nodes.get(id);
    }

    public List<NodeId> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    public List<GroupId> groupIds() {
        return List.copyOf(groups.keySet());
    }

    /** The membership {@code group} was added with. */
    public Membership membership(GroupId group) {
        return groups.get(group);
    }

    /** Starts (or restarts) a node's host from what its disk holds. */
    public void start(NodeId id) {
        SimNode node = nodes.get(id);
        if (node.isUp()) {
            crash(id);
        }
        long incarnation = node.incarnation() + 1;
        RaftStorage storage;
        try {
            storage = node.disk().open(cause -> storageFailed(id, cause));
        } catch (IOException | RuntimeException e) {
            throw new InvariantViolation(
                    "%s cannot recover its storage after a crash: %s".formatted(id, e), e);
        }
        GroupHost host =
                new GroupHost(
                        id,
                        hostOptions,
                        storage,
                        promisesChecked(node, network.transportFor(id)),
                        task -> scheduler.schedule(0, guarded(node, incarnation, task)),
                        failStopOf(id));
        node.started(host);
        lastIndexes.keySet().removeIf(key -> key.node().equals(id));
        for (var entry : replicas.entrySet()) {
            if (entry.getValue().containsKey(id)) {
                startReplica(node, entry.getKey());
            }
        }
        removed.stream()
                .filter(key -> key.node().equals(id))
                .map(ReplicaKey::group)
                .sorted()
                .forEach(host::removeGroup);
        scheduleTick(node, incarnation, random.nextLong(tickMillis));
    }

    /** {@code transport}, checking each envelope {@code node} sends first. */
    private static Transport promisesChecked(SimNode node, Transport transport) {
        return (to, envelopes) -> {
            for (Envelope envelope : envelopes) {
                checkPromises(node, envelope);
            }
            transport.send(to, envelopes);
        };
    }

    /**
     * Raft's durability rule (DESIGN.md rule 1): an acknowledgement of entries up to an index
     * leaves only once the sender's disk holds its log that far, and a granted vote only once its
     * disk holds the term and the vote, or a later term.
     */
    private static void checkPromises(SimNode node, Envelope envelope) {
        if (!node.host().hosts(envelope.group())) {
            return; // removed while its round was being persisted; its disk forgot it
        }
        Optional<SimDisk.Durable> disk = node.disk().durable(envelope.group());
        switch (envelope.message()) {
            case Message.AppendEntriesResponse ack when ack.success() -> {
                long durable = disk.map(SimDisk.Durable::lastIndex).orElse(0L);
                if (durable < ack.matchIndex()) {
                    throw new InvariantViolation(
                            "%s acknowledged %s up to index %d with only %d durable"
                                    .formatted(
                                            node.id(),
                                            envelope.group(),
                                            ack.matchIndex(),
                                            durable));
                }
            }
            case Message.RequestVoteResponse vote when vote.granted() && !vote.preVote() -> {
                HardState stored = disk.map(SimDisk.Durable::hardState).orElse(HardState.EMPTY);
                boolean votedDurably =
                        stored.term() == vote.term()
                                && stored.votedFor().equals(Optional.of(vote.to()));
                // NB: a later term on disk also keeps the promise: the sender never acts in the
                // vote's term again (seed 1000280: a vote for n3 in term 2 and one for n2 in term
                // 3 went out with the same round, whose disk then held term 3).
                if (!votedDurably && stored.term() <= vote.term()) {
                    throw new InvariantViolation(
                            "%s granted %s its vote in %s term %d with %s durable"
                                    .formatted(
                                            node.id(),
                                            vote.to(),
                                            envelope.group(),
                                            vote.term(),
                                            stored));
                }
            }
            default -> {}
        }
    }

    /** Crashes a node: its host is gone and its disk loses what was not durable. */
    public void crash(NodeId id, double tearRate) {
        SimNode node = nodes.get(id);
        if (node.isUp()) {
            node.crashed();
            node.disk().crash(tearRate);
            trace.add(scheduler.nowMillis(), -id.value());
        }
    }

    public void crash(NodeId id) {
        crash(id, 0);
    }

    private void startReplica(SimNode node, GroupId group) {
        CheckedStateMachine stateMachine =
                new CheckedStateMachine(
                        node.id(), group, ledger, stateMachines.create(node.id(), group, ledger));
        node.attach(group, stateMachine);
        node.host()
                .addGroup(
                        group, replicas.get(group).get(node.id()), stateMachine, random.nextLong());
    }

    private Runnable guarded(SimNode node, long incarnation, Runnable task) {
        return () -> {
            if (node.isUp() && node.incarnation() == incarnation) {
                try {
                    task.run();
                } catch (NodeHalted halted) {
                    // the node crashed in this task; nothing of it runs on
                }
            }
        };
    }

    private FailStop failStopOf(NodeId id) {
        return (where, cause) -> {
            if (cause instanceof InvariantViolation violation) {
                throw violation;
            }
            if (!haltNodesOnFault) {
                throw new InvariantViolation(
                        "fail-stop at %s: %s".formatted(where, FailStop.describe(cause)), cause);
            }
            halts.add(where);
            crash(id);
            throw new NodeHalted();
        };
    }

    /**
     * The storage's writer failed. A sync failure the disk injected halts the node, as the process
     * would halt (recorded in {@link #halts}); anything else is a fault of the log and fails the
     * run.
     */
    private void storageFailed(NodeId id, Throwable cause) {
        if (!(cause instanceof FaultyFiles.InjectedSyncFailure)) {
            throw new InvariantViolation(
                    "%s's storage failed: %s".formatted(id, FailStop.describe(cause)), cause);
        }
        halts.add(id + " write-ahead log: " + cause.getMessage());
        crash(id, 0.5);
    }

    private void scheduleTick(SimNode node, long incarnation, long delayMillis) {
        scheduler.schedule(
                delayMillis,
                guarded(
                        node,
                        incarnation,
                        () -> {
                            node.host().tick();
                            scheduleTick(node, incarnation, tickMillis);
                        }));
    }

    private void deliver(NodeId from, NodeId to, List<Envelope> envelopes) {
        SimNode node = nodes.get(to);
        if (node != null && node.isUp()) {
            node.host().receive(from, envelopes);
        }
    }

    // ---------------------------------------------------------------- running

    /** Runs every event due in the next {@code millis} of virtual time. */
    public void runFor(long millis) {
        long until = scheduler.nowMillis() + millis;
        while (scheduler.runNext(until)) {
            checkInvariants();
        }
    }

    /**
     * Runs until {@code condition} holds (checked after every event) or {@code millis} pass;
     * returns whether it holds.
     */
    public boolean runUntil(BooleanSupplier condition, long millis) {
        long until = scheduler.nowMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (!scheduler.runNext(until)) {
                return condition.getAsBoolean();
            }
            checkInvariants();
        }
        return true;
    }

    private void checkInvariants() {
        for (SimNode node : nodes.values()) {
            Optional<GroupHost> host = node.hostIfUp();
            if (host.isEmpty()) {
                continue;
            }
            for (GroupId group : host.get().groupIds()) {
                checkReplica(node.id(), group, host.get().status(group).orElseThrow());
            }
        }
    }

    private void checkReplica(NodeId node, GroupId group, RaftStatus status) {
        if (status.role() == Role.LEADER) {
            NodeId first = leaderOfTerm.putIfAbsent(new GroupTerm(group, status.term()), node);
            if (first != null && !first.equals(node)) {
                throw new InvariantViolation(
                        "%s has two leaders in term %d: %s and %s"
                                .formatted(group, status.term(), first, node));
            }
            if (first == null && !status.membership().isVoter(node)) {
                throw new InvariantViolation(
                        "%s %s was elected in term %d but is no voter of its membership %s"
                                .formatted(node, group, status.term(), status.membership()));
            }
        }
        long[] last = lastIndexes.computeIfAbsent(new ReplicaKey(node, group), key -> new long[2]);
        if (status.commitIndex() < last[0] || status.appliedIndex() < last[1]) {
            throw new InvariantViolation(
                    "%s %s went back: commit %d -> %d, applied %d -> %d"
                            .formatted(
                                    node,
                                    group,
                                    last[0],
                                    status.commitIndex(),
                                    last[1],
                                    status.appliedIndex()));
        }
        last[0] = status.commitIndex();
        last[1] = status.appliedIndex();
    }

    // ---------------------------------------------------------------- observing

    /** The status of {@code node}'s replica of {@code group}, if the node is up. */
    public Optional<RaftStatus> status(NodeId node, GroupId group) {
        return nodes.get(node).hostIfUp().flatMap(host -> host.status(group));
    }

    /** The replica of {@code group} that leads in the newest term, among nodes that are up. */
    public Optional<NodeId> leaderOf(GroupId group) {
        NodeId best = null;
        long bestTerm = -1;
        for (NodeId node : replicas.get(group).keySet()) {
            Optional<RaftStatus> status = status(node, group);
            if (status.isPresent()
                    && status.get().role() == Role.LEADER
                    && status.get().term() > bestTerm) {
                best = node;
                bestTerm = status.get().term();
            }
        }
        return Optional.ofNullable(best);
    }

    /** The applied index of a replica: live, or as its last run left it. */
    public long appliedIndex(NodeId node, GroupId group) {
        return status(node, group).map(RaftStatus::appliedIndex).orElse(lastApplied(node, group));
    }

    private long lastApplied(NodeId node, GroupId group) {
        long[] last = lastIndexes.get(new ReplicaKey(node, group));
        return last == null ? 0 : last[1];
    }
}
