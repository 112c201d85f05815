package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.SimSeeds;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
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
 * several clients join, leave and move groups with retries: every replica ends with identical
 * configs, numbers increase by one per applied command, each command is applied at most once, and
 * every config is valid and (after Join/Leave) balanced. {@code -Dsim.seed=S} replays one.
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

    private static void run(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ControllerSim cluster = new ControllerSim(random.nextBoolean() ? 3 : 5, seed);
        Simulation sim = cluster.sim();
        List<ControllerSim.Clerk> clerks = new ArrayList<>();
        List<Long> applied = new ArrayList<>();
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
                applied.add(commandDone.configNumber());
                if (!(command instanceof ControllerCommand.Move)) {
                    balancedConfigs.add(commandDone.configNumber());
                }
            }
        }
        heal(sim, cluster.nodes());
        ShardConfig latest = cluster.clerk().query(-1);
        assertThat(applied).as("config numbers the clients saw made").doesNotHaveDuplicates();
        assertThat(latest.number()).as("one config per applied command").isEqualTo(applied.size());
        checkReplicasAgree(cluster, latest, balancedConfigs);
    }

    /** Commands that mostly succeed: joins of new groups, leaves and moves of existing ones. */
    private static ControllerCommand randomCommand(
            ControllerSim.Clerk clerk, long sequence, SplittableRandom random) {
        long clientId = clerk.hashCode();
        int gid = 1 + random.nextInt(12);
        return switch (random.nextInt(4)) {
            case 0, 1 -> new ControllerCommand.Join(clientId, sequence, ControllerSim.groups(gid));
            case 2 -> new ControllerCommand.Leave(clientId, sequence, List.of(GroupId.of(gid)));
            default ->
                    new ControllerCommand.Move(
                            clientId,
                            sequence,
                            random.nextInt(ControllerSim.SHARDS),
                            GroupId.of(gid));
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
