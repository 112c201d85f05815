package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.LoopScheduler;
import io.raftkv.shardkv.server.ShardMigrator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The sharded store on simulated nodes (the lab's shardkv tester on virtual time): a controller
 * group of three nodes and replica groups 100, 101, ... of {@code serversPerGroup} nodes each, all
 * started but not joined. Every replica node runs the production {@link ShardMigrator} for its
 * group every {@value #MIGRATION_TICK_MILLIS} ms; clerks are production {@link KvRouter}s. Both
 * talk over the simulated network ({@link SimGroupCaller}).
 */
final class ShardKvSim {
    static final int SHARDS = 10;
    static final long MIGRATION_TICK_MILLIS = 100;
    static final int FIRST_GROUP = 100;

    private final Simulation sim;
    private final int chunkBytes;
    private final List<NodeId> controllers = List.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));
    private final TreeMap<GroupId, List<NodeId>> groups = new TreeMap<>();
    private final Map<NodeId, Long> generations = new HashMap<>();
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
                                        : new KvStateMachine(group, SHARDS));
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
            groups.put(group, List.copyOf(nodes));
        }
        sim.addGroup(GroupId.CONTROLLER, new Membership(controllers));
        groups.forEach((group, nodes) -> sim.addGroup(group, new Membership(nodes)));
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
        return List.copyOf(groups.keySet());
    }

    List<NodeId> controllers() {
        return controllers;
    }

    List<NodeId> nodesOf(GroupId group) {
        return groups.get(group);
    }

    static Member member(NodeId node) {
        return new Member(node, "n" + node.value() + ":1");
    }

    private List<Member> controllerMembers() {
        return controllers.stream().map(ShardKvSim::member).toList();
    }

    // ---------------------------------------------------------------- nodes

    /** Starts (or restarts) a node, with a migration driver for its replica group. */
    void start(NodeId node) {
        sim.start(node);
        long generation = generations.merge(node, 1L, Long::sum);
        groupOf(node).ifPresent(group -> drive(node, group, generation));
    }

    void crash(NodeId node, double tearRate) {
        sim.crash(node, tearRate);
        generations.merge(node, 1L, Long::sum);
    }

    /** The lab's ShutdownGroup. */
    void shutDownGroup(GroupId group) {
        groups.get(group).forEach(node -> crash(node, 0));
    }

    /** The lab's StartGroup. */
    void startGroup(GroupId group) {
        groups.get(group).forEach(this::start);
    }

    private Optional<GroupId> groupOf(NodeId node) {
        return groups.entrySet().stream()
                .filter(entry -> entry.getValue().contains(node))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    private void drive(NodeId node, GroupId group, long generation) {
        BooleanSupplier alive = () -> generations.get(node) == generation;
        GroupRequests requests = new GroupRequests(new SimGroupCaller(sim, node, alive));
        ShardMigrator migrator =
                new ShardMigrator(
                        new SimLocalGroup(node, group, alive),
                        requests,
                        new ConfigSource(requests, controllerMembers()),
                        chunkBytes);
        tickEvery(alive, migrator);
    }

    private void tickEvery(BooleanSupplier alive, ShardMigrator migrator) {
        sim.scheduler()
                .schedule(
                        MIGRATION_TICK_MILLIS,
                        () -> {
                            if (alive.getAsBoolean()) {
                                migrator.tick();
                                tickEvery(alive, migrator);
                            }
                        });
    }

    /** A replica as its node's migration driver sees it. */
    private final class SimLocalGroup implements ShardMigrator.LocalGroup {
        private final NodeId node;
        private final GroupId group;
        private final BooleanSupplier alive;

        SimLocalGroup(NodeId node, GroupId group, BooleanSupplier alive) {
            this.node = node;
            this.group = group;
            this.alive = alive;
        }

        @Override
        public GroupId id() {
            return group;
        }

        @Override
        public boolean isLeader() {
            return alive.getAsBoolean()
                    && sim.status(node, group).map(s -> s.role() == Role.LEADER).orElse(false);
        }

        @Override
        public MigrationView view() {
            return stateMachine(node, group).migrationView();
        }

        @Override
        public void propose(KvCommand command, Consumer<Optional<KvResult>> done) {
            if (!alive.getAsBoolean()) {
                done.accept(Optional.empty());
                return;
            }
            ShardMigrator.LocalGroup.proposeOn(
                    sim.node(node).host(),
                    group,
                    KvCodec.encode(command),
                    result -> {
                        if (alive.getAsBoolean()) {
                            done.accept(result);
                        }
                    });
        }
    }

    /** The state machine of {@code group}'s replica on {@code node} (which must be up). */
    KvStateMachine stateMachine(NodeId node, GroupId group) {
        return (KvStateMachine) sim.node(node).stateMachine(group).orElseThrow();
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
    private void admin(ControllerCommand command) {
        boolean[] applied = new boolean[1];
        adminAsync(command, () -> applied[0] = true);
        runUntil(() -> applied[0], 60_000, command.getClass().getSimpleName());
    }

    /** Sends a controller command until it is applied, then runs {@code done}. */
    void adminAsync(ControllerCommand command, Runnable done) {
        byte[] bytes = ControllerCodec.encode(command);
        adminRequests.call(
                GroupId.CONTROLLER,
                controllerMembers(),
                false,
                bytes,
                reply -> {
                    if (reply.orElse(null) instanceof ClientReply.Applied) {
                        done.run();
                    } else {
                        sim.scheduler().schedule(50, () -> adminAsync(command, done));
                    }
                });
    }

    ControllerCommand.Join joinCommand(GroupId... joining) {
        TreeMap<GroupId, List<Member>> members = new TreeMap<>();
        for (GroupId group : joining) {
            members.put(group, groups.get(group).stream().map(ShardKvSim::member).toList());
        }
        return new ControllerCommand.Join(adminClientId, ++adminSequence, members);
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
        ShardConfig latest = null;
        for (NodeId controller : controllers) {
            if (sim.node(controller).isUp()) {
                ShardConfig config =
                        ((ControllerStateMachine)
                                        sim.node(controller)
                                                .stateMachine(GroupId.CONTROLLER)
                                                .orElseThrow())
                                .latest();
                latest = latest == null || config.number() > latest.number() ? config : latest;
            }
        }
        return Objects.requireNonNull(latest, "no controller replica is up");
    }

    /** Whether every replica that is up, of every group, has taken config {@code number}. */
    boolean everyGroupAt(long number) {
        for (var entry : groups.entrySet()) {
            for (NodeId node : entry.getValue()) {
                if (sim.node(node).isUp()
                        && stateMachine(node, entry.getKey()).configNumber() < number) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- clerks and time

    Clerk clerk() {
        return new Clerk(++nextClerkId);
    }

    void runUntil(BooleanSupplier done, long millis, String what) {
        if (!sim.runUntil(done, millis)) {
            throw new AssertionError(
                    "%s did not happen within %d ms of virtual time; latest config %d; groups:%n%s"
                            .formatted(what, millis, latestConfig().number(), migrations()));
        }
    }

    /** Per group, the first replica up: its config, shards and transfers, for a failure message. */
    String migrations() {
        StringBuilder text = new StringBuilder();
        groups.forEach(
                (group, nodes) ->
                        nodes.stream()
                                .filter(node -> sim.node(node).isUp())
                                .findFirst()
                                .ifPresent(
                                        node -> {
                                            KvStateMachine machine = stateMachine(node, group);
                                            MigrationView view = machine.migrationView();
                                            text.append(
                                                    "  %s config %d %s pulls %s notifies %s handoffs %s%n"
                                                            .formatted(
                                                                    group,
                                                                    machine.configNumber(),
                                                                    machine.shardStatuses(),
                                                                    view.pulls(),
                                                                    view.notifies(),
                                                                    view.handoffs()));
                                        }));
        return text.toString();
    }

    /** A client: a production router on the simulated network, its operations recorded. */
    final class Clerk {
        private final int id;
        private final KvRouter router;
        private boolean busy;

        Clerk(int id) {
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
                            new KvRouter.Options(600_000, 100));
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
