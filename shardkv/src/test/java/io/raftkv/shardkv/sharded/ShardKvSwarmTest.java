package io.raftkv.shardkv.sharded;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.SimSeeds;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many seeds of chaos on the whole sharded store: a controller group and three replica groups, ten
 * clients doing gets, puts, unique appends and compare-and-sets on a few keys, while groups join,
 * leave and receive moved shards, a group whose nodes never come up (mistyped addresses) now and
 * then joins and later leaves again, nodes crash (tearing unsynced writes) and restart, the network
 * partitions and turns lossy. Checked per seed:
 *
 * <ul>
 *   <li>the whole history, final reads included, is linearizable per key (so no acknowledged write
 *       is lost);
 *   <li>no append appears twice in a value (no write applied twice);
 *   <li>no two groups serve one shard in the same config number (sampled every 50 ms);
 *   <li>once quiet, the replicas of each group hold identical state at the same applied index.
 * </ul>
 *
 * {@code -Dsim.seed=S} replays one seed; {@code -Dsim.seeds=N -Dsim.base=B} runs more.
 */
class ShardKvSwarmTest {
    private static final long CHAOS_MILLIS = 20_000;
    private static final int CLIENTS = 10;
    private static final int KEYS = 6;

    /** The group whose members never come up. */
    private static final GroupId GHOST = GroupId.of(900);

    static LongStream seeds() {
        return SimSeeds.seeds(50_000, 100);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void survivesChaos(long seed) {
        try {
            new Run(seed).run();
        } catch (Throwable failure) {
            throw SimSeeds.failure(seed, failure);
        }
    }

    private static final class Run {
        final SplittableRandom random;
        final List<Operation> history = new ArrayList<>();
        final ShardKvSim cluster;
        final List<String> keys = ShardKvLabTest.keys(KEYS);
        final TreeSet<GroupId> joined = new TreeSet<>();
        final Map<String, GroupId> servedBy = new HashMap<>();
        final List<ShardKvSim.Clerk> clerks = new ArrayList<>();
        boolean adminBusy;
        boolean ghostJoined;
        boolean running;
        long appends;

        Run(long seed) {
            this.random = new SplittableRandom(seed);
            this.cluster =
                    new ShardKvSim(seed, 3, 3, false, 2_000, 256, HistoryAdapter.into(history));
        }

        void run() {
            cluster.join(cluster.group(0));
            joined.add(cluster.group(0));
            running = true;
            for (int i = 0; i < CLIENTS; i++) {
                clerks.add(cluster.clerk());
                next(clerks.get(i), i);
            }
            checkOwnershipEvery50Millis();
            long end = cluster.sim().nowMillis() + CHAOS_MILLIS;
            while (cluster.sim().nowMillis() < end) {
                cluster.sim().runFor(500 + random.nextInt(1_500));
                chaos();
            }
            calmDown();
            running = false;
            cluster.runUntil(this::adminIdle, 120_000, "the last admin command");
            cluster.runUntil(
                    () -> clerks.stream().noneMatch(ShardKvSim.Clerk::busy),
                    120_000,
                    "clients finishing their last operations");
            finalReads();
            checkReplicasIdentical();
            assertThat(cluster.latestConfig().number())
                    .as("configs the chaos went through")
                    .isGreaterThan(1);
        }

        private boolean adminIdle() {
            return !adminBusy;
        }

        private void next(ShardKvSim.Clerk clerk, int client) {
            if (!running) {
                return;
            }
            byte[] key = bytes(keys.get(random.nextInt(keys.size())));
            double dice = random.nextDouble();
            KvOp op;
            if (dice < 0.4) {
                op = new KvOp.Append(key, bytes("c%d.%d;".formatted(client, ++appends)));
            } else if (dice < 0.5) {
                op = new KvOp.Put(key, bytes("p%d.%d;".formatted(client, ++appends)));
            } else if (dice < 0.55) {
                op =
                        new KvOp.CompareAndSet(
                                key, null, bytes("s%d.%d;".formatted(client, ++appends)));
            } else {
                op = new KvOp.Get(key);
            }
            clerk.submit(
                    op,
                    result -> {
                        assertThat(result).isNotInstanceOf(KvResult.Malformed.class);
                        cluster.sim()
                                .scheduler()
                                .schedule(random.nextInt(20), () -> next(clerk, client));
                    });
        }

        private void chaos() {
            int dice = random.nextInt(10);
            switch (dice) {
                case 0, 1, 2 -> reconfigure();
                case 3, 4 -> crashOne();
                case 5 -> restartAll();
                case 6 -> partition();
                case 7 -> cluster.sim().network().heal();
                case 8 ->
                        cluster.sim()
                                .network()
                                .faults(
                                        random.nextBoolean()
                                                ? NetworkFaults.UNRELIABLE
                                                : NetworkFaults.RELIABLE);
                default -> reconfigure();
            }
        }

        private void reconfigure() {
            if (adminBusy) {
                return;
            }
            List<GroupId> all = cluster.groupIds();
            GroupId group = all.get(random.nextInt(all.size()));
            int dice = random.nextInt(3);
            adminBusy = true;
            Runnable done = () -> adminBusy = false;
            if (random.nextInt(6) == 0) {
                cluster.adminAsync(
                        ghostJoined ? cluster.leaveCommand(GHOST) : cluster.ghostJoinCommand(GHOST),
                        done);
                ghostJoined = !ghostJoined;
            } else if (dice == 0 && !joined.contains(group)) {
                joined.add(group);
                cluster.adminAsync(cluster.joinCommand(group), done);
            } else if (dice == 1 && joined.contains(group)) {
                joined.remove(group);
                cluster.adminAsync(cluster.leaveCommand(group), done);
            } else if (!joined.isEmpty()) {
                GroupId to = new ArrayList<>(joined).get(random.nextInt(joined.size()));
                cluster.adminAsync(
                        cluster.moveCommand(random.nextInt(ShardKvSim.SHARDS), to), done);
            } else {
                adminBusy = false;
            }
        }

        private List<NodeId> allNodes() {
            return cluster.sim().nodeIds();
        }

        private void crashOne() {
            List<NodeId> nodes = allNodes();
            NodeId node = nodes.get(random.nextInt(nodes.size()));
            if (cluster.sim().node(node).isUp()) {
                cluster.crash(node, 0.5);
            }
        }

        private void restartAll() {
            for (NodeId node : allNodes()) {
                if (!cluster.sim().node(node).isUp()) {
                    cluster.start(node);
                }
            }
        }

        private void partition() {
            List<NodeId> left = new ArrayList<>();
            List<NodeId> right = new ArrayList<>();
            for (NodeId node : allNodes()) {
                (random.nextInt(4) == 0 ? right : left).add(node);
            }
            cluster.sim().network().partition(List.of(left, right));
        }

        /**
         * Ends the chaos: everything up and connected, the ghost gone, at least one group joined.
         */
        private void calmDown() {
            cluster.sim().network().heal();
            cluster.sim().network().faults(NetworkFaults.RELIABLE);
            restartAll();
            cluster.runUntil(this::adminIdle, 120_000, "the admin command under way");
            if (ghostJoined) {
                ghostJoined = false;
                cluster.leave(GHOST);
            }
            if (joined.isEmpty()) {
                joined.add(cluster.group(0));
                cluster.join(cluster.group(0));
            }
        }

        private void finalReads() {
            ShardKvSim.Clerk reader = cluster.clerk();
            for (String key : keys) {
                KvResult result = reader.run(new KvOp.Get(bytes(key)), 600_000);
                assertThat(result).as("final read of %s", key).isInstanceOf(KvResult.Value.class);
                byte[] value = ((KvResult.Value) result).value();
                if (value != null) {
                    List<String> tokens =
                            Arrays.asList(new String(value, StandardCharsets.UTF_8).split(";"));
                    assertThat(tokens).as("tokens of %s", key).doesNotHaveDuplicates();
                }
            }
            LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
        }

        private void checkOwnershipEvery50Millis() {
            for (GroupId group : cluster.groupIds()) {
                for (NodeId node : cluster.nodesOf(group)) {
                    if (!cluster.sim().node(node).isUp()) {
                        continue;
                    }
                    KvStateMachine machine = cluster.stateMachine(node, group);
                    for (var entry : machine.shardStatuses().entrySet()) {
                        if (entry.getValue().serves()) {
                            String slot = machine.configNumber() + "/" + entry.getKey();
                            GroupId other = servedBy.putIfAbsent(slot, group);
                            assertThat(other == null ? group : other)
                                    .as(
                                            "the group serving shard %d in config %d",
                                            entry.getKey(), machine.configNumber())
                                    .isEqualTo(group);
                        }
                    }
                }
            }
            if (running) {
                cluster.sim().scheduler().schedule(50, this::checkOwnershipEvery50Millis);
            }
        }

        /** Waits until each group's replicas have applied the same index, then compares them. */
        private void checkReplicasIdentical() {
            for (GroupId group : cluster.groupIds()) {
                List<NodeId> nodes = cluster.nodesOf(group);
                cluster.runUntil(
                        () ->
                                nodes.stream()
                                                .mapToLong(
                                                        n -> cluster.sim().appliedIndex(n, group))
                                                .distinct()
                                                .count()
                                        == 1,
                        60_000,
                        "replicas of " + group + " applying the same index");
                byte[] first = cluster.stateMachine(nodes.getFirst(), group).snapshot();
                for (NodeId node : nodes) {
                    assertThat(cluster.stateMachine(node, group).snapshot())
                            .as("state of %s on %s", group, node)
                            .isEqualTo(first);
                }
            }
        }

        private static byte[] bytes(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
}
