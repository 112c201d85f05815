package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.kv.MemoryShardStore;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.kv.SessionTable;
import io.raftkv.shardkv.kv.ShardStore;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.LoopScheduler;
import io.raftkv.shardkv.server.MembershipDriver;
import io.raftkv.shardkv.server.ShardMigrator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The sharded store on simulated nodes (the lab's shardkv tester on virtual time): a controller
 * group of three nodes and replica groups 100, 101, ... of {@code serversPerGroup} nodes each (the
 * groups' founders), all started but not joined, and optionally spare nodes in no group. Every node
 * does what {@code ShardKvNode} does beyond Raft ({@link SimNodeDriver}): it follows the
 * controller's latest config, hosts a replica of each group the config adds it to and deletes one
 * the group has removed, and runs the production {@link ShardMigrator} and {@link MembershipDriver}
 * of each replica every {@value #MIGRATION_TICK_MILLIS} ms; clerks are production {@link
 * KvRouter}s. All talk over the simulated network ({@link SimGroupCaller}).
 */
final class ShardKvSim {
    static final int SHARDS = 10;
    static final long MIGRATION_TICK_MILLIS = 100;
    static final int FIRST_GROUP = 100;

    /** The id of the first spare node; spare nodes are in no group at the start. */
    static final int FIRST_SPARE_NODE = 5001;

    private final Simulation sim;
    private final int chunkBytes;
    private final List<NodeId> controllers = List.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));

    /** Each group's founders: its members when it first joins, hosted from the start. */
    private final TreeMap<GroupId, List<NodeId>> founders = new TreeMap<>();

    private final ReplicaBook replicas = new ReplicaBook();

    private final Map<NodeId, Long> generations = new HashMap<>();

    /** Each node's disk: 1 for the first, one more for each {@link #replaceDisk}. */
    private final Map<NodeId, Long> disks = new HashMap<>();

    private final ShardOwnership ownership = new ShardOwnership(SHARDS);
    private final HistoryAdapter.Recorder recorder;
    private final GroupRequests adminRequests;
    private final long adminClientId;
    private long adminSequence;
    private int nextClerkId;

    /**
     * @param maxRaftStateBytes snapshot once the log since the last one holds this many bytes (the
     *     lab's maxraftstate); -1 for never
     * @param chunkBytes the most bytes a migration pull asks for
     */
    ShardKvSim(
            long seed,
            int groupCount,
            int serversPerGroup,
            boolean unreliable,
            long maxRaftStateBytes,
            int chunkBytes,
            HistoryAdapter.Recorder recorder) {
        this(
                seed,
                groupCount,
                serversPerGroup,
                unreliable,
                maxRaftStateBytes,
                chunkBytes,
                recorder,
                SessionTable.SESSIONS_MAX,
                MemoryShardStore::new);
    }

    /**
     * @param sessionsMax the most client sessions each shard keeps (past it the idlest is evicted)
     * @param stores makes the store of each new replica state machine
     */
    ShardKvSim(
            long seed,
            int groupCount,
            int serversPerGroup,
            boolean unreliable,
            long maxRaftStateBytes,
            int chunkBytes,
            HistoryAdapter.Recorder recorder,
            int sessionsMax,
            Supplier<ShardStore> stores) {
        HostOptions options = HostOptions.defaults();
        options =
                maxRaftStateBytes > 0
                        ? options.withSnapshotLogBytes(maxRaftStateBytes)
                        : options.withSnapshotEntries(Integer.MAX_VALUE)
                                .withSnapshotLogBytes(Long.MAX_VALUE);
        this.sim =
                new Simulation(
                        seed,
                        options,
                        (node, group, ledger) ->
                                group.equals(GroupId.CONTROLLER)
                                        ? new ControllerStateMachine(SHARDS)
                                        : new ShardOwnership.Watched(
                                                group,
                                                new KvStateMachine(
                                                        group, SHARDS, stores.get(), sessionsMax),
                                                ownership));
        this.chunkBytes = chunkBytes;
        this.recorder = recorder;
        for (NodeId controller : controllers) {
            sim.addNode(controller);
        }
        for (int g = 0; g < groupCount; g++) {
            GroupId group = GroupId.of(FIRST_GROUP + g);
            List<NodeId> nodes = new ArrayList<>();
            for (int i = 1; i <= serversPerGroup; i++) {
                NodeId node = NodeId.of(group.value() * 10 + i);
                nodes.add(node);
                sim.addNode(node);
            }
            founders.put(group, List.copyOf(nodes));
        }
        sim.addGroup(GroupId.CONTROLLER, new Membership(controllers));
        founders.forEach((group, nodes) -> sim.addGroup(group, new Membership(nodes)));
        for (NodeId node : sim.nodeIds()) {
            start(node);
        }
        sim.network().faults(unreliable ? NetworkFaults.UNRELIABLE : NetworkFaults.RELIABLE);
        this.adminRequests = new GroupRequests(new SimGroupCaller(sim, null, () -> true));
        this.adminClientId = sim.random().nextLong() & Long.MAX_VALUE;
    }

    Simulation sim() {
        return sim;
    }

    GroupId group(int index) {
        return GroupId.of(FIRST_GROUP + index);
    }

    List<GroupId> groupIds() {
        return List.copyOf(founders.keySet());
    }

    List<NodeId> controllers() {
        return controllers;
    }

    /** The nodes hosting a replica of {@code group} now (a removed one may linger). */
    List<NodeId> nodesOf(GroupId group) {
        return sim.replicaNodes(group);
    }

    /**
     * Adds {@code count} nodes in no group, started: room for replicas added later. Their ids are
     * {@value #FIRST_SPARE_NODE} and up.
     */
    List<NodeId> addSpareNodes(int count) {
        List<NodeId> spares = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeId node = NodeId.of(FIRST_SPARE_NODE + i);
            sim.addNode(node);
            start(node);
            spares.add(node);
        }
        return spares;
    }

    static Member member(NodeId node) {
        return new Member(node, "n" + node.value() + ":1");
    }

    private List<Member> controllerMembers() {
        return controllers.stream().map(ShardKvSim::member).toList();
    }

    // ---------------------------------------------------------------- nodes

    /** Starts (or restarts) a node, with the drivers of the replicas it hosts. */
    void start(NodeId node) {
        sim.start(node);
        long generation = generations.merge(node, 1L, Long::sum);
        new SimNodeDriver(
                        sim,
                        node,
                        () -> generations.get(node) == generation,
                        controllerMembers(),
                        founders.keySet(),
                        replicas,
                        disks.getOrDefault(node, 1L),
                        chunkBytes)
                .driveEvery();
    }

    void crash(NodeId node, double tearRate) {
        sim.crash(node, tearRate);
        generations.merge(node, 1L, Long::sum);
    }

    /**
     * Replaces {@code node}'s disk with a blank one, as when a disk dies; the node stays down until
     * {@link #start}, and then hosts only the replicas a claim with its new disk wins (none of a
     * group that already has a log: those were claimed by the old disk).
     */
    void replaceDisk(NodeId node) {
        sim.replaceDisk(node);
        generations.merge(node, 1L, Long::sum);
        disks.put(node, disks.getOrDefault(node, 1L) + 1);
        replicas.diskLost(node);
        for (GroupId group : sim.groupIds()) {
            if (sim.replicaNodes(group).contains(node)) {
                sim.removeReplica(group, node); // the blank disk holds none
            }
        }
    }

    /**
     * The nodes hosting {@code group} whose current disk's claim the controller has not granted.
     */
    List<NodeId> unclaimedReplicas(GroupId group) {
        return nodesOf(group).stream().filter(node -> !replicas.isClaimed(group, node)).toList();
    }

    /** The lab's ShutdownGroup: crashes the nodes hosting the group. */
    void shutDownGroup(GroupId group) {
        nodesOf(group).forEach(node -> crash(node, 0));
    }

    /** The lab's StartGroup: starts the nodes hosting the group. */
    void startGroup(GroupId group) {
        nodesOf(group).forEach(this::start);
    }

    /** The state machine of {@code group}'s replica on {@code node} (which must be up). */
    KvStateMachine stateMachine(NodeId node, GroupId group) {
        return stateMachine(sim, node, group);
    }

    /** The state machine of {@code group}'s replica on {@code node} (which must be up). */
    static KvStateMachine stateMachine(Simulation sim, NodeId node, GroupId group) {
        return ((ShardOwnership.Watched) sim.node(node).stateMachine(group).orElseThrow()).inner();
    }

    /** Which group serves each shard at each instant, checked as the groups apply their logs. */
    ShardOwnership ownership() {
        return ownership;
    }

    // ---------------------------------------------------------------- the controller

    /** The lab's join: one Join of the given groups with all their nodes. */
    void join(GroupId... joining) {
        admin(joinCommand(joining));
    }

    void leave(GroupId... leaving) {
        admin(leaveCommand(leaving));
    }

    void move(int shard, GroupId to) {
        admin(moveCommand(shard, to));
    }

    /** Sends a controller command until it is applied, driving virtual time. */
    void admin(ControllerCommand command) {
        boolean[] applied = new boolean[1];
        adminAsync(command, () -> applied[0] = true);
        runUntil(() -> applied[0], 60_000, command.getClass().getSimpleName());
    }

    /** Sends a controller command until it is applied, then runs {@code done}. */
    void adminAsync(ControllerCommand command, Runnable done) {
        adminAsync(command, (Consumer<ControllerResult>) result -> done.run());
    }

    /** Sends a controller command until it is applied, then gives {@code done} its result. */
    void adminAsync(ControllerCommand command, Consumer<ControllerResult> done) {
        byte[] bytes = ControllerCodec.encode(command);
        adminRequests.call(
                GroupId.CONTROLLER,
                controllerMembers(),
                false,
                bytes,
                reply -> {
                    if (reply.orElse(null) instanceof ClientReply.Applied applied) {
                        done.accept(ControllerCodec.decodeResult(applied.result()));
                    } else {
                        sim.scheduler().schedule(50, () -> adminAsync(command, done));
                    }
                });
    }

    /**
     * A join of the given groups, each with the members it last had in a config (a returning group
     * keeps its members), or its founders if it never joined.
     */
    ControllerCommand.Join joinCommand(GroupId... joining) {
        TreeMap<GroupId, List<Member>> members = new TreeMap<>();
        for (GroupId group : joining) {
            members.put(
                    group,
                    lastMembers(group)
                            .orElseGet(
                                    () ->
                                            founders.get(group).stream()
                                                    .map(ShardKvSim::member)
                                                    .toList()));
        }
        return new ControllerCommand.Join(adminClientId, ++adminSequence, members);
    }

    ControllerCommand.AddReplica addReplicaCommand(GroupId group, NodeId node) {
        return new ControllerCommand.AddReplica(
                adminClientId, ++adminSequence, group, member(node));
    }

    ControllerCommand.RemoveReplica removeReplicaCommand(GroupId group, NodeId node) {
        return new ControllerCommand.RemoveReplica(adminClientId, ++adminSequence, group, node);
    }

    ControllerCommand.ReplaceReplica replaceReplicaCommand(
            GroupId group, NodeId old, NodeId replacement) {
        return new ControllerCommand.ReplaceReplica(
                adminClientId, ++adminSequence, group, old, member(replacement));
    }

    ControllerCommand.Drain drainCommand(NodeId node) {
        return new ControllerCommand.Drain(adminClientId, ++adminSequence, node);
    }

    /**
     * A join of {@code ghost}, a group whose members are nodes that never exist (an operator's
     * mistyped addresses): it never answers and never takes a config.
     */
    ControllerCommand.Join ghostJoinCommand(GroupId ghost) {
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            members.add(member(NodeId.of(ghost.value() * 10 + i)));
        }
        return new ControllerCommand.Join(
                adminClientId, ++adminSequence, new TreeMap<>(Map.of(ghost, members)));
    }

    void joinGhost(GroupId ghost) {
        admin(ghostJoinCommand(ghost));
    }

    ControllerCommand.Leave leaveCommand(GroupId... leaving) {
        return new ControllerCommand.Leave(adminClientId, ++adminSequence, List.of(leaving));
    }

    ControllerCommand.Move moveCommand(int shard, GroupId to) {
        return new ControllerCommand.Move(adminClientId, ++adminSequence, shard, to);
    }

    /** The latest config any controller replica that is up has applied. */
    ShardConfig latestConfig() {
        return freshestController()
                .orElseThrow(() -> new IllegalStateException("no controller replica is up"))
                .latest();
    }

    boolean anyControllerUp() {
        return freshestController().isPresent();
    }

    /** Whether every controller replica is up and has applied config {@code number}. */
    boolean everyControllerAt(long number) {
        return controllers.stream()
                .allMatch(
                        controller ->
                                sim.node(controller).isUp()
                                        && controllerOn(controller).latest().number() >= number);
    }

    /** The controller replica that is up and has applied the most configs. */
    private Optional<ControllerStateMachine> freshestController() {
        ControllerStateMachine freshest = null;
        for (NodeId controller : controllers) {
            if (sim.node(controller).isUp()) {
                ControllerStateMachine machine = controllerOn(controller);
                if (freshest == null || machine.latest().number() > freshest.latest().number()) {
                    freshest = machine;
                }
            }
        }
        return Optional.ofNullable(freshest);
    }

    private ControllerStateMachine controllerOn(NodeId controller) {
        return (ControllerStateMachine)
                sim.node(controller).stateMachine(GroupId.CONTROLLER).orElseThrow();
    }

    /** The members {@code group} had in the last config that listed it, if any did. */
    Optional<List<Member>> lastMembers(GroupId group) {
        Optional<ControllerStateMachine> controller = freshestController();
        if (controller.isEmpty()) {
            return Optional.empty();
        }
        for (long n = controller.get().latest().number(); n > 0; n--) {
            List<Member> members = controller.get().config(n).groups().get(group);
            if (members != null) {
                return Optional.of(members);
            }
        }
        return Optional.empty();
    }

    /**
     * Every node any config so far listed as a member of {@code group}: none of them may join it
     * again (a replica id is never reused), except with the group's return.
     */
    Set<NodeId> nodesEverIn(GroupId group) {
        TreeSet<NodeId> nodes = new TreeSet<>(founders.getOrDefault(group, List.of()));
        freshestController()
                .ifPresent(
                        controller -> {
                            for (long n = 1; n <= controller.latest().number(); n++) {
                                controller
                                        .config(n)
                                        .groups()
                                        .getOrDefault(group, List.of())
                                        .forEach(member -> nodes.add(member.node()));
                            }
                        });
        return nodes;
    }

    /**
     * Whether every replica that is up, of every group, has taken config {@code number}. Counts
     * every replica hosted, so only for runs whose memberships do not change.
     */
    boolean everyGroupAt(long number) {
        for (GroupId group : groupIds()) {
            for (NodeId node : nodesOf(group)) {
                if (sim.node(node).isUp() && stateMachine(node, group).configNumber() < number) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- clerks and time

    /** A clerk whose operations may take up to 600 s each: a result, never a deadline. */
    Clerk clerk() {
        return clerk(600_000);
    }

    /** A clerk that gives an operation up after {@code deadlineMillis}. */
    Clerk clerk(long deadlineMillis) {
        return new Clerk(++nextClerkId, deadlineMillis);
    }

    void runUntil(BooleanSupplier done, long millis, String what) {
        if (!sim.runUntil(done, millis)) {
            throw new AssertionError(
                    "%s did not happen within %d ms of virtual time; latest config %d; groups:%n%s"
                            .formatted(what, millis, latestConfig().number(), migrations()));
        }
    }

    /**
     * Per group, the first replica up: its config, shards and transfers, and the group's hosts and
     * leader's membership, for a failure message.
     */
    String migrations() {
        StringBuilder text = new StringBuilder();
        for (GroupId group : groupIds()) {
            Optional<NodeId> up =
                    nodesOf(group).stream().filter(n -> sim.node(n).isUp()).findFirst();
            if (up.isEmpty()) {
                continue;
            }
            KvStateMachine machine = stateMachine(up.get(), group);
            MigrationView view = machine.migrationView();
            text.append(
                    "  %s config %d %s pulls %s notifies %s handoffs %s; hosts %s leader %s%n"
                            .formatted(
                                    group,
                                    machine.configNumber(),
                                    machine.shardStatuses(),
                                    view.pulls(),
                                    view.notifies(),
                                    view.handoffs(),
                                    nodesOf(group),
                                    sim.leaderOf(group)
                                            .flatMap(leader -> sim.status(leader, group))
                                            .map(RaftStatus::membership)));
        }
        return text.toString();
    }

    /** A client: a production router on the simulated network, its operations recorded. */
    final class Clerk {
        private final int id;
        private final KvRouter router;
        private boolean busy;

        Clerk(int id, long deadlineMillis) {
            this.id = id;
            GroupRequests requests = new GroupRequests(new SimGroupCaller(sim, null, () -> true));
            LoopScheduler loop =
                    new LoopScheduler() {
                        @Override
                        public long nowMillis() {
                            return sim.nowMillis();
                        }

                        @Override
                        public void schedule(long delayMillis, Runnable task) {
                            sim.scheduler().schedule(delayMillis, task);
                        }
                    };
            this.router =
                    new KvRouter(
                            new ConfigSource(requests, controllerMembers()),
                            requests,
                            loop,
                            () -> sim.random().nextLong(),
                            new KvRouter.Options(deadlineMillis, 100));
        }

        int id() {
            return id;
        }

        boolean busy() {
            return busy;
        }

        /** Starts {@code op}; {@code done} gets its result. */
        void submit(KvOp op, Consumer<KvResult> done) {
            busy = true;
            long call = sim.nowMillis();
            router.execute(
                    op,
                    result -> {
                        busy = false;
                        recorder.record(id, op, result, call, sim.nowMillis());
                        done.accept(result);
                    });
        }

        /** Runs {@code op} to completion, driving virtual time. */
        KvResult run(KvOp op, long millis) {
            KvResult[] result = new KvResult[1];
            submit(op, r -> result[0] = r);
            runUntil(() -> result[0] != null, millis, "clerk %d: %s".formatted(id, op));
            return result[0];
        }

        KvResult run(KvOp op) {
            return run(op, 120_000);
        }
    }
}
