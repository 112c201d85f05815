package io.raftkv.shardkv.demo;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.InProcessNetwork;
import io.raftkv.raft.host.LoopThread;
import io.raftkv.raft.host.MemoryStorage;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.host.ReadOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several nodes in one JVM, each hosting a replica of every group, with clients that keep {@value
 * #WRITES_IN_FLIGHT} writes and {@value #READS_IN_FLIGHT} linearizable reads in flight per group
 * against whichever replica leads. Nodes can be isolated to show a re-election.
 *
 * <p>Threading: each node's host runs on its own {@link LoopThread}; every call into a host is
 * posted to that loop. Public methods may be called from any thread.
 */
public final class DemoCluster implements AutoCloseable {
    static final int WRITES_IN_FLIGHT = 8;
    static final int READS_IN_FLIGHT = 2;
    private static final long TICK_MILLIS = 10;
    private static final long RETRY_MILLIS = 20;

    private record Node(GroupHost host, LoopThread loop) {}

    private final TreeMap<NodeId, Node> nodes = new TreeMap<>();
    private final List<GroupId> groups = new ArrayList<>();
    private final InProcessNetwork network = new InProcessNetwork();
    private final LoopThread clientTimer = new LoopThread("demo-client-retry");
    private final ConcurrentHashMap<GroupId, NodeId> leaderGuess = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<GroupId, AtomicLong> writes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<GroupId, AtomicLong> reads = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Starts {@code nodeCount} nodes hosting {@code groupCount} groups; clients start too. */
    public DemoCluster(int nodeCount, int groupCount, long seed) {
        Check.argument(nodeCount >= 1 && nodeCount <= 9, "nodes must be 1 to 9, got %d", nodeCount);
        Check.argument(
                groupCount >= 1 && groupCount <= 100,
                "groups must be 1 to 100, got %d",
                groupCount);
        List<NodeId> members = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) {
            members.add(NodeId.of(i));
        }
        for (NodeId id : members) {
            startNode(id);
        }
        for (int g = 1; g <= groupCount; g++) {
            GroupId group = GroupId.of(g);
            groups.add(group);
            writes.put(group, new AtomicLong());
            reads.put(group, new AtomicLong());
            leaderGuess.put(group, members.get((g - 1) % members.size()));
            for (NodeId id : members) {
                long replicaSeed = seed * 1_000_003L + id.value() * 7_919L + g;
                Node node = nodes.get(id);
                node.loop()
                        .execute(
                                () ->
                                        node.host()
                                                .addGroup(
                                                        group,
                                                        new Membership(members),
                                                        new CounterStateMachine(),
                                                        replicaSeed));
            }
        }
        for (GroupId group : groups) {
            for (int i = 0; i < WRITES_IN_FLIGHT; i++) {
                write(group);
            }
            for (int i = 0; i < READS_IN_FLIGHT; i++) {
                read(group);
            }
        }
    }

    private void startNode(NodeId id) {
        LoopThread loop = new LoopThread("raftkv-loop-" + id);
        GroupHost host =
                new GroupHost(
                        id,
                        HostOptions.defaults(),
                        new MemoryStorage(),
                        network.transportFor(id),
                        loop);
        network.register(host, loop);
        loop.tickEvery(host, TICK_MILLIS);
        nodes.put(id, new Node(host, loop));
    }

    public List<NodeId> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    public List<GroupId> groupIds() {
        return List.copyOf(groups);
    }

    /** Cuts {@code node} off from the others (its replicas keep running). */
    public void isolate(NodeId node) {
        network.isolate(node);
    }

    public void reconnect(NodeId node) {
        network.reconnect(node);
    }

    public boolean isIsolated(NodeId node) {
        return network.isIsolated(node);
    }

    // ---------------------------------------------------------------- clients

    private void write(GroupId group) {
        if (closed) {
            return;
        }
        NodeId target = leaderGuess.get(group);
        Node node = nodes.get(target);
        node.loop()
                .execute(
                        () -> {
                            ProposeResult result =
                                    node.host()
                                            .propose(
                                                    group,
                                                    CounterStateMachine.add(1),
                                                    outcome -> afterWrite(group, target, outcome));
                            if (result instanceof Rejection rejection) {
                                retry(group, rejection, () -> write(group));
                            }
                        });
    }

    private void afterWrite(GroupId group, NodeId target, ProposalOutcome outcome) {
        switch (outcome) {
            case ProposalOutcome.Applied applied -> {
                writes.get(group).incrementAndGet();
                write(group);
            }
            case ProposalOutcome.Unknown unknown -> {
                unknown.leaderHint().ifPresent(hint -> leaderGuess.put(group, hint));
                clientTimer
                        .scheduler()
                        .schedule(() -> write(group), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void read(GroupId group) {
        if (closed) {
            return;
        }
        Node node = nodes.get(leaderGuess.get(group));
        node.loop()
                .execute(
                        () -> {
                            ReadResult result =
                                    node.host().read(group, outcome -> afterRead(group, outcome));
                            if (result instanceof Rejection rejection) {
                                retry(group, rejection, () -> read(group));
                            }
                        });
    }

    private void afterRead(GroupId group, ReadOutcome outcome) {
        switch (outcome) {
            case ReadOutcome.Confirmed confirmed -> {
                reads.get(group).incrementAndGet();
                read(group);
            }
            case ReadOutcome.NotLeader notLeader -> {
                notLeader.leaderHint().ifPresent(hint -> leaderGuess.put(group, hint));
                clientTimer
                        .scheduler()
                        .schedule(() -> read(group), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Follows a NotLeader hint, or tries the next node, after a short pause. */
    private void retry(GroupId group, Rejection rejection, Runnable again) {
        Optional<NodeId> hint =
                rejection instanceof Rejection.NotLeader notLeader
                        ? notLeader.hint()
                        : Optional.empty();
        NodeId current = leaderGuess.get(group);
        NodeId next =
                hint.orElseGet(
                        () ->
                                Optional.ofNullable(nodes.higherKey(current))
                                        .orElse(nodes.firstKey()));
        leaderGuess.put(group, next);
        clientTimer.scheduler().schedule(again, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- status

    /** A consistent-enough picture of every group, gathered from each node's own loop. */
    public List<GroupStatus> status() {
        List<GroupStatus> result = new ArrayList<>();
        for (GroupId group : groups) {
            result.add(statusOf(group));
        }
        return result;
    }

    /**
     * Reported by the leader of the newest term that is not isolated, else the most advanced
     * replica.
     */
    private GroupStatus statusOf(GroupId group) {
        TreeMap<NodeId, RaftStatus> replicas = new TreeMap<>();
        for (var entry : nodes.entrySet()) {
            Node node = entry.getValue();
            CompletableFuture.supplyAsync(() -> node.host().status(group), node.loop())
                    .orTimeout(1, TimeUnit.SECONDS)
                    .join()
                    .ifPresent(status -> replicas.put(entry.getKey(), status));
        }
        Check.that(!replicas.isEmpty(), "no replica of %s", group);
        RaftStatus chosen =
                replicas.values().stream()
                        .filter(
                                status ->
                                        status.role() == Role.LEADER
                                                && !network.isIsolated(status.id()))
                        .max(Comparator.comparingLong(RaftStatus::term))
                        .orElseGet(
                                () ->
                                        replicas.values().stream()
                                                .max(
                                                        Comparator.comparingLong(
                                                                RaftStatus::commitIndex))
                                                .orElseThrow());
        Optional<NodeId> leader =
                chosen.role() == Role.LEADER ? Optional.of(chosen.id()) : Optional.empty();
        return new GroupStatus(
                group,
                leader,
                chosen.term(),
                chosen.commitIndex(),
                chosen.appliedIndex(),
                counterOn(nodes.get(chosen.id()), group),
                writes.get(group).get(),
                reads.get(group).get());
    }

    private static long counterOn(Node node, GroupId group) {
        return CompletableFuture.supplyAsync(
                        () ->
                                node.host()
                                        .stateMachine(group)
                                        .map(machine -> ((CounterStateMachine) machine).value())
                                        .orElse(0L),
                        node.loop())
                .orTimeout(1, TimeUnit.SECONDS)
                .join();
    }

    @Override
    public void close() {
        closed = true;
        clientTimer.close();
        nodes.values().forEach(node -> node.loop().close());
    }
}
