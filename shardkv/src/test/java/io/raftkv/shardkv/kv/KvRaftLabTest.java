package io.raftkv.shardkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The lab's kvraft tests ({@code anchors/mit-6824-tests.md} section 4) on one simulated replica
 * group, with the lab's parameters and bounds in virtual time. Every history is checked for
 * linearizability; a checker timeout fails the test.
 */
class KvRaftLabTest {
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    /** The lab's GenericTest: 3 iterations of 5 s of client load, then checks. */
    static void generic(
            int clients,
            int servers,
            boolean unreliable,
            boolean crash,
            boolean partitions,
            long maxRaftState,
            boolean randomKeys,
            long seed) {
        List<Operation> history = new ArrayList<>();
        KvGroupSim cluster =
                new KvGroupSim(
                        servers, unreliable, maxRaftState, seed, HistoryAdapter.into(history));
        SplittableRandom random = new SplittableRandom(seed);
        for (int iteration = 0; iteration < 3; iteration++) {
            GenericLoad load = new GenericLoad(cluster, clients, randomKeys, random.split());
            load.start();
            long end = cluster.sim().nowMillis() + 5_000;
            long nextPartition = cluster.sim().nowMillis() + 1_000;
            while (cluster.sim().nowMillis() < end) {
                if (partitions && cluster.sim().nowMillis() >= nextPartition) {
                    partitionRandomly(cluster, random);
                    nextPartition = cluster.sim().nowMillis() + 1_000 + random.nextInt(200);
                }
                cluster.sim().runFor(10);
            }
            load.stop();
            if (partitions) {
                cluster.sim().network().heal();
            }
            cluster.runUntil(load::idle, 60_000, "clients finishing their last operations");
            if (crash) {
                for (NodeId node : cluster.nodes()) {
                    cluster.sim().crash(node);
                }
                cluster.sim().runFor(1_000);
                for (NodeId node : cluster.nodes()) {
                    cluster.sim().start(node);
                }
            }
            KvGroupSim.Clerk checker = cluster.clerk();
            for (int client = 0; client < clients; client++) {
                KvResult value = checker.run(new KvOp.Get(bytes(Integer.toString(client))));
                if (!randomKeys) {
                    load.checkAppends(client, text(((KvResult.Value) value).value()));
                }
            }
            if (maxRaftState > 0) {
                assertThat(cluster.logSize())
                        .as("logs were not trimmed")
                        .isLessThanOrEqualTo(8 * maxRaftState);
            } else {
                assertThat(cluster.snapshotSize())
                        .as("snapshot used without maxraftstate")
                        .isZero();
            }
        }
        LinearizabilityChecker.assertLinearizable(history, CHECK_TIMEOUT);
    }

    /** Each node on a random side; with 5 or 7 nodes one side always has a majority. */
    private static void partitionRandomly(KvGroupSim cluster, SplittableRandom random) {
        List<NodeId> left = new ArrayList<>();
        List<NodeId> right = new ArrayList<>();
        for (NodeId node : cluster.nodes()) {
            (random.nextBoolean() ? left : right).add(node);
        }
        cluster.sim().network().partition(List.of(left, right));
    }

    @Test
    void basic3A() {
        generic(1, 5, false, false, false, -1, false, 3_001);
    }

    @Test
    void concurrent3A() {
        generic(5, 5, false, false, false, -1, false, 3_002);
    }

    @Test
    void unreliable3A() {
        generic(5, 5, true, false, false, -1, false, 3_003);
    }

    @Test
    void manyPartitionsOneClient3A() {
        generic(1, 5, false, false, true, -1, false, 3_004);
    }

    @Test
    void manyPartitionsManyClients3A() {
        generic(5, 5, false, false, true, -1, false, 3_005);
    }

    @Test
    void persistOneClient3A() {
        generic(1, 5, false, true, false, -1, false, 3_006);
    }

    @Test
    void persistConcurrent3A() {
        generic(5, 5, false, true, false, -1, false, 3_007);
    }

    @Test
    void persistConcurrentUnreliable3A() {
        generic(5, 5, true, true, false, -1, false, 3_008);
    }

    @Test
    void persistPartition3A() {
        generic(5, 5, false, true, true, -1, false, 3_009);
    }

    @Test
    void persistPartitionUnreliable3A() {
        generic(5, 5, true, true, true, -1, false, 3_010);
    }

    @Test
    void persistPartitionUnreliableLinearizable3A() {
        generic(15, 7, true, true, true, -1, true, 3_011);
    }

    @Test
    void snapshotRecover3B() {
        generic(1, 5, false, true, false, 1000, false, 3_012);
    }

    @Test
    void snapshotRecoverManyClients3B() {
        generic(20, 5, false, true, false, 1000, false, 3_013);
    }

    @Test
    void snapshotUnreliable3B() {
        generic(5, 5, true, false, false, 1000, false, 3_014);
    }

    @Test
    void snapshotUnreliableRecover3B() {
        generic(5, 5, true, true, false, 1000, false, 3_015);
    }

    @Test
    void snapshotUnreliableRecoverConcurrentPartition3B() {
        generic(5, 5, true, true, true, 1000, false, 3_016);
    }

    @Test
    void snapshotUnreliableRecoverConcurrentPartitionLinearizable3B() {
        generic(15, 7, true, true, true, 1000, true, 3_017);
    }
}
