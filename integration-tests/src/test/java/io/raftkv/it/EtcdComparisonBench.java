package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.raftkv.common.NodeId;
import io.raftkv.it.ClosedLoopWrites.Result;
import io.raftkv.it.ClosedLoopWrites.Store;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes per second and write latency of raftkv against etcd, three processes each on loopback,
 * driven by one closed-loop load ({@link ClosedLoopWrites}) at each of {@code bench.clients} (issue
 * 13). A measurement, not a test: it runs only with {@code -Dit.bench=true}, names no {@code *Test}
 * class so CI never picks it up, prints its numbers and asserts only that every put succeeded.
 *
 * <ul>
 *   <li>raftkv: three {@code raftkv node} processes on the JVM's defaults (C2, G1, 1 GiB heaps, as
 *       {@code ./raftkv node} runs), all three controllers, and group 100 joined on the same three,
 *       so that every write is one entry of one Raft group of three processes. One {@link
 *       ShardKvClient} carries every loop (it pipelines on one connection per node, and sends to
 *       the group's leader).
 *   <li>etcd: three {@code etcd} members ({@link EtcdMembers}, etcd's defaults, fsync on), driven
 *       by one jetcd {@link Client} (gRPC, multiplexed on one HTTP/2 connection). By default the
 *       client talks to the leader only, as raftkv's does; {@code -Dbench.etcdEndpoints=all} gives
 *       it all three members, so that followers forward two thirds of the writes.
 * </ul>
 *
 * <p>Both clusters are up for the whole run, but only one is loaded at a time: at each client count
 * the systems alternate, etcd first, {@code bench.rounds} times, so that a drift of the machine's
 * load hits both. Every run is printed, as a markdown table at the end.
 *
 * <pre>
 * bench/etcd-compare.sh [-Dbench.clients=1,16,64 -Dbench.seconds=10 -Dbench.warmupSeconds=3 \
 *     -Dbench.rounds=2 -Dbench.keys=1000 -Dbench.valueBytes=100 -Dbench.etcdEndpoints=leader]
 * </pre>
 */
@EnabledIfSystemProperty(named = "it.bench", matches = "true")
class EtcdComparisonBench {
    private static final int NODES = 3;
    private static final String GROUP = "100";
    private static final String NODE_HEAP = "1g";
    private static final int KEYS = Integer.getInteger("bench.keys", 1_000);
    private static final int VALUE_BYTES = Integer.getInteger("bench.valueBytes", 100);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 2);
    private static final Duration WARM_UP =
            Duration.ofSeconds(Integer.getInteger("bench.warmupSeconds", 3));
    private static final Duration MEASURED =
            Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));
    private static final int[] CLIENTS =
            Arrays.stream(System.getProperty("bench.clients", "1,16,64").split(","))
                    .mapToInt(count -> Integer.parseInt(count.strip()))
                    .toArray();
    private static final boolean ETCD_ALL_ENDPOINTS =
            System.getProperty("bench.etcdEndpoints", "leader").equals("all");

    @TempDir Path root;

    private NodeProcesses nodes;
    private EtcdMembers etcd;

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent()) {
                    if (nodes != null) {
                        System.err.println("raftkv node logs:\n" + nodes.logTails());
                    }
                    if (etcd != null) {
                        System.err.println("etcd member logs:\n" + etcd.logTails());
                    }
                }
            };

    @AfterEach
    void stopClusters() {
        if (nodes != null) {
            nodes.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void writesOfThreeRaftkvNodesAgainstThreeEtcdMembers() throws Exception {
        Path etcdBinary = EtcdMembers.binary(); // before anything starts: the one-line failure
        startRaftkv();
        etcd = new EtcdMembers(Files.createDirectory(root.resolve("etcd")), NODES, etcdBinary);
        etcd.start();
        List<String> etcdEndpoints =
                ETCD_ALL_ENDPOINTS ? etcd.clientUrls() : List.of(etcd.leaderClientUrl());
        report("etcd endpoints: " + etcdEndpoints);
        try (ShardKvClient raftkv =
                        new ShardKvClient(nodes.controllers(NODES), KvRouter.Options.defaults());
                Client etcdClient =
                        Client.builder().endpoints(etcdEndpoints.toArray(String[]::new)).build()) {
            Map<String, Store> systems = new LinkedHashMap<>();
            systems.put("etcd", etcdStore(etcdClient.getKVClient()));
            systems.put("raftkv", raftkvStore(raftkv));
            List<Result> results = measureAlternately(systems);
            printTable(results);
            for (Result result : results) {
                assertThat(result.failures()).as("failed puts in %s", result).isZero();
                assertThat(result.writes()).as("puts in %s", result).isPositive();
            }
        }
    }

    private void startRaftkv() throws Exception {
        nodes =
                new NodeProcesses(
                        Files.createDirectory(root.resolve("raftkv")),
                        NODES,
                        NodeProcesses.shardKvNodes(NODES),
                        NODE_HEAP,
                        List.of());
        nodes.startAll();
        List<String> members = new ArrayList<>();
        for (NodeId id : nodes.nodeIds()) {
            members.add(nodes.member(id));
        }
        Cli join = Cli.admin(nodes, NODES, 60, "join", GROUP, String.join(",", members));
        assertThat(join.code()).as(join.toString()).isZero();
    }

    /** At each client count, {@link #ROUNDS} runs of every system in turn. */
    private static List<Result> measureAlternately(Map<String, Store> systems)
            throws InterruptedException {
        ClosedLoopWrites load = new ClosedLoopWrites(KEYS, VALUE_BYTES);
        List<Result> results = new ArrayList<>();
        for (int clients : CLIENTS) {
            for (int round = 1; round <= ROUNDS; round++) {
                for (Map.Entry<String, Store> system : systems.entrySet()) {
                    Result result =
                            load.run(
                                    system.getKey(), system.getValue(), clients, WARM_UP, MEASURED);
                    report(row(result) + " failed " + result.failures());
                    results.add(result);
                }
            }
        }
        return results;
    }

    /** A raftkv put is done when the group has applied it; any result but Ok is a failure. */
    private static Store raftkvStore(ShardKvClient client) {
        return (key, value) ->
                client.execute(new KvOp.Put(key, value))
                        .thenApply(
                                result -> {
                                    if (!(result instanceof KvResult.Ok)) {
                                        throw new IllegalStateException("put: " + result);
                                    }
                                    return result;
                                });
    }

    /** An etcd put is done when etcd answers it: committed and applied by the leader. */
    private static Store etcdStore(KV kv) {
        return (key, value) -> kv.put(ByteSequence.from(key), ByteSequence.from(value));
    }

    private static void printTable(List<Result> results) {
        report(
                "%d-byte values, %d keys, %d s warm-up, %d s measured, load average at the end: %s"
                        .formatted(
                                VALUE_BYTES,
                                KEYS,
                                WARM_UP.toSeconds(),
                                MEASURED.toSeconds(),
                                loadAverage()));
        report("| system | clients | writes/s | p50 ms | p99 ms |");
        report("| --- | ---: | ---: | ---: | ---: |");
        results.forEach(result -> report(row(result)));
    }

    private static String row(Result result) {
        return "| %s | %d | %,.0f | %.2f | %.2f |"
                .formatted(
                        result.system(),
                        result.clients(),
                        result.writesPerSecond(),
                        result.percentileMillis(50),
                        result.percentileMillis(99));
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void report(String line) {
        System.out.println("BENCH " + line);
    }
}
