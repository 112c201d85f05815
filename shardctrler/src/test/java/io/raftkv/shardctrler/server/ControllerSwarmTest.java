package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.SimSeeds;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomized runs of the controller group under partitions, crashes and a lossy network while
 * several clients join, leave and move groups and add, remove, replace and drain replicas, with
 * retries: every replica ends with identical configs, numbers increase by one per applied command,
 * each command is applied at most once, every config is valid, (after Join/Leave) balanced, lists
 * members by node id, and never gives a group back a replica it lost (after an add or a remove,
 * owners do not move). One seed in three caps the sessions below the number of clients, so that
 * they are evicted. {@code -Dsim.seed=S} replays one.
 */
class ControllerSwarmTest {
    private static final int CLIENTS = 4;
    private static final long CHAOS_MILLIS = 8_000;

    static LongStream seeds() {
        return SimSeeds.seeds(10_000, 100);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void replicasAgreeAndEveryCommandAppliesOnce(long seed) {
        try {
            run(seed);
        } catch (Throwable failure) {
            throw SimSeeds.failure(seed, failure);
        }
    }

    /** Runs one seed; fails with what it found. For the mutation runs too. */
    static void run(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int servers = random.nextBoolean() ? 3 : 5;
        // One seed in three keeps fewer sessions than there are clients, so sessions are evicted
        // and restored from snapshots without the evicted ones (issue 15).
        int sessionsMax =
                random.nextInt(3) == 0
                        ? 1 + random.nextInt(CLIENTS - 1)
                        : ControllerStateMachine.SESSIONS_MAX;
        ControllerSim cluster =
                new ControllerSim(servers, seed, HostOptions.defaults(), sessionsMax);
        Simulation sim = cluster.sim();
        List<ControllerSim.Clerk> clerks = new ArrayList<>();
        List<Long> applied = new ArrayList<>(); // by commands that always make a config
        TreeSet<Long> reported = new TreeSet<>(); // every Done, including "already done"
        TreeSet<Long> memberConfigs = new TreeSet<>();
        for (int i = 0; i < CLIENTS; i++) {
            clerks.add(cluster.clerk());
        }
        long end = sim.nowMillis() + CHAOS_MILLIS;
        TreeSet<Long> balancedConfigs = new TreeSet<>();
        while (sim.nowMillis() < end) {
            nemesis(sim, cluster.nodes(), random);
            ControllerSim.Clerk clerk = clerks.get(random.nextInt(CLIENTS));
            ControllerCommand command = clerk.next(seq -> randomCommand(clerk, seq, random));
            Optional<ControllerResult> result = clerk.submit(command, 3_000);
            while (result.isEmpty()) {
                heal(sim, cluster.nodes()); // let the stuck command through, with the same sequence
                result = clerk.submit(command, 30_000);
            }
            if (result.get() instanceof ControllerResult.Done commandDone) {
                long number = commandDone.configNumber();
                reported.add(number);
                boolean madeIt =
                        switch (command) {
                            case ControllerCommand.Join join -> {
                                balancedConfigs.add(number);
                                yield true;
                            }
                            case ControllerCommand.Leave leave -> {
                                balancedConfigs.add(number);
                                yield true;
                            }
                            case ControllerCommand.Move move -> true;
                            case ControllerCommand.AddReplica add -> {
                                memberConfigs.add(number);
                                yield true;
                            }
                            case ControllerCommand.RemoveReplica remove -> {
                                memberConfigs.add(number);
                                yield true;
                            }
                            // These two may answer "already done" with an earlier config.
                            case ControllerCommand.ReplaceReplica replace -> false;
                            case ControllerCommand.Drain drain -> false;
                            case ControllerCommand.Claim claim -> false; // never sent here
                            case ControllerCommand.UnsafeRecover recover -> false; // never sent
                        };
                if (madeIt) {
                    applied.add(number);
                }
            }
        }
        heal(sim, cluster.nodes());
        ShardConfig latest = cluster.clerk().query(-1);
        assertThat(applied).as("config numbers the clients saw made").doesNotHaveDuplicates();
        reported.remove(0L); // a drain of a node in no group before any join
        assertThat(reported)
                .as("one config per applied command")
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, latest.number()).boxed().toList());
        checkReplicasAgree(cluster, latest, balancedConfigs);
        checkMembers(cluster.stateMachine(cluster.nodes().getFirst()), latest, memberConfigs);
    }

    /**
     * Commands that often succeed: joins of new groups, leaves and moves of existing ones, and
     * replica changes among each group's ten node ids (a group that changed members and left is
     * refused when it returns with its first members).
     */
    private static ControllerCommand randomCommand(
            ControllerSim.Clerk clerk, long sequence, SplittableRandom random) {
        long clientId = clerk.hashCode();
        int gid = 1 + random.nextInt(12);
        GroupId group = GroupId.of(gid);
        return switch (random.nextInt(9)) {
            case 0, 1 -> new ControllerCommand.Join(clientId, sequence, ControllerSim.groups(gid));
            case 2 -> new ControllerCommand.Leave(clientId, sequence, List.of(group));
            case 3 ->
                    new ControllerCommand.Move(
                            clientId, sequence, random.nextInt(ControllerSim.SHARDS), group);
            case 4, 5 ->
                    new ControllerCommand.AddReplica(
                            clientId,
                            sequence,
                            group,
                            ControllerSim.member(gid, 4 + random.nextInt(6)));
            case 6 ->
                    new ControllerCommand.RemoveReplica(
                            clientId,
                            sequence,
                            group,
                            ControllerSim.member(gid, 1 + random.nextInt(9)).node());
            case 7 ->
                    new ControllerCommand.ReplaceReplica(
                            clientId,
                            sequence,
                            group,
                            ControllerSim.member(gid, 1 + random.nextInt(9)).node(),
                            ControllerSim.member(gid, 4 + random.nextInt(6)));
            default ->
                    new ControllerCommand.Drain(
                            clientId,
                            sequence,
                            ControllerSim.member(gid, 1 + random.nextInt(9)).node());
        };
    }

    private static void nemesis(Simulation sim, List<NodeId> nodes, SplittableRandom random) {
        switch (random.nextInt(6)) {
            case 0 -> {
                List<NodeId> left = new ArrayList<>();
                List<NodeId> right = new ArrayList<>();
                nodes.forEach(node -> (random.nextBoolean() ? left : right).add(node));
                sim.network().partition(List.of(left, right));
            }
            case 1 -> sim.network().heal();
            case 2 -> {
                long down = nodes.stream().filter(node -> !sim.node(node).isUp()).count();
                if (down < (nodes.size() - 1) / 2) {
                    sim.crash(nodes.get(random.nextInt(nodes.size())), 0.5);
                }
            }
            case 3 ->
                    nodes.stream()
                            .filter(node -> !sim.node(node).isUp())
                            .findFirst()
                            .ifPresent(sim::start);
            case 4 -> sim.network().faults(NetworkFaults.UNRELIABLE.withDuplicateRate(0.05));
            default -> sim.network().faults(NetworkFaults.RELIABLE);
        }
        sim.runFor(random.nextInt(200));
    }

    private static void heal(Simulation sim, List<NodeId> nodes) {
        sim.network().heal();
        sim.network().faults(NetworkFaults.RELIABLE);
        nodes.stream().filter(node -> !sim.node(node).isUp()).forEach(sim::start);
    }

    /**
     * Members are listed by node id; a replica that left a group that stayed never comes back to
     * it; an add or a remove moves no shard.
     */
    private static void checkMembers(
            ControllerStateMachine replica, ShardConfig latest, TreeSet<Long> memberConfigs) {
        TreeSet<String> retired = new TreeSet<>();
        for (long number = 1; number <= latest.number(); number++) {
            ShardConfig before = replica.config(number - 1);
            ShardConfig config = replica.config(number);
            for (var group : config.groups().entrySet()) {
                List<NodeId> nodes = group.getValue().stream().map(m -> m.node()).toList();
                assertThat(nodes)
                        .as("members of %s in config %d", group.getKey(), number)
                        .isSorted();
                for (NodeId node : nodes) {
                    assertThat(retired)
                            .as("config %d", number)
                            .doesNotContain(group.getKey() + "/" + node);
                }
                List<Member> previous = before.groups().get(group.getKey());
                if (previous != null) {
                    previous.stream()
                            .filter(m -> !group.getValue().contains(m))
                            .forEach(m -> retired.add(group.getKey() + "/" + m.node()));
                }
            }
            if (memberConfigs.contains(number)) {
                assertThat(config.owners())
                        .as("owners in config %d", number)
                        .isEqualTo(before.owners());
            }
        }
    }

    /** Every replica reaches the latest config, with the same history of configs. */
    private static void checkReplicasAgree(
            ControllerSim cluster, ShardConfig latest, TreeSet<Long> balancedConfigs) {
        boolean caughtUp =
                cluster.sim()
                        .runUntil(
                                () ->
                                        cluster.nodes().stream()
                                                .allMatch(
                                                        node ->
                                                                cluster.stateMachine(node)
                                                                                .latest()
                                                                                .number()
                                                                        == latest.number()),
                                30_000);
        assertThat(caughtUp).as("every replica reached config %d", latest.number()).isTrue();
        for (NodeId node : cluster.nodes()) {
            ControllerStateMachine replica = cluster.stateMachine(node);
            for (long number = 0; number <= latest.number(); number++) {
                ShardConfig config = replica.config(number);
                assertThat(config.number()).isEqualTo(number);
                if (balancedConfigs.contains(number)) {
                    int[] groups =
                            config.groups().keySet().stream().mapToInt(GroupId::value).toArray();
                    ControllerLabTest.check(config, groups);
                }
            }
            assertThat(replica.latest()).as("latest config on %s", node).isEqualTo(latest);
        }
        ControllerStateMachine first = cluster.stateMachine(cluster.nodes().getFirst());
        for (NodeId node : cluster.nodes()) {
            for (long number = 0; number <= latest.number(); number++) {
                assertThat(cluster.stateMachine(node).config(number))
                        .as("config %d on %s", number, node)
                        .isEqualTo(first.config(number));
            }
        }
    }
}
