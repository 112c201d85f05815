package io.raftkv.raft.bench;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.raft.node.ValueSetStateMachine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmarks on three real node processes ({@code RaftNodeMain}) on loopback:
 *
 * <pre>
 * java -cp shardkv/target/raftkv-shardkv-0.1.0-SNAPSHOT-all.jar io.raftkv.raft.bench.ClusterBench idle [GROUPS]
 * java -cp shardkv/target/raftkv-shardkv-0.1.0-SNAPSHOT-all.jar io.raftkv.raft.bench.ClusterBench throughput [SECONDS]
 * </pre>
 *
 * {@code idle}: every node hosts GROUPS groups (default 1000); once all are quiesced, reports per
 * node the CPU share of one core, frames per second, threads and heap over 20 s. {@code
 * throughput}: one group; a closed-loop client keeps 1, 16 and 128 proposals of 8 bytes in flight
 * against the leader and reports commits per second and latency percentiles.
 */
public final class ClusterBench {
    private static final Pattern STATS =
            Pattern.compile(
                    "STATS groups=(\\d+) leading=(\\d+) quiesced=(\\d+) framesSent=(\\d+) framesReceived=(\\d+) threads=(\\d+) heapUsedMiB=(\\d+) cpuMillis=(\\d+)");

    private record Stats(
            long atNanos,
            long groups,
            long quiesced,
            long framesReceived,
            long threads,
            long heapMiB,
            long cpuMillis) {}

    /** One node process and its STATS lines. */
    private static final class NodeProcess {
        final Process process;
        final LinkedBlockingQueue<Stats> stats = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> ready = new CompletableFuture<>();

        NodeProcess(Process process) {
            this.process = process;
            Thread reader = new Thread(this::readOutput, "bench-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readOutput() {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("READY")) {
                        ready.complete(null);
                    }
                    Matcher matcher = STATS.matcher(line);
                    if (matcher.find()) {
                        stats.add(
                                new Stats(
                                        System.nanoTime(),
                                        number(matcher, 1),
                                        number(matcher, 3),
                                        number(matcher, 5),
                                        number(matcher, 6),
                                        number(matcher, 7),
                                        number(matcher, 8)));
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(
                    new IllegalStateException("a node process exited before it was ready"));
        }

        private static long number(Matcher matcher, int group) {
            return Long.parseLong(matcher.group(group));
        }
    }

    private ClusterBench() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "throughput";
        switch (mode) {
            case "idle" -> idle(args.length > 1 ? Integer.parseInt(args[1]) : 1000);
            case "throughput" -> throughput(args.length > 1 ? Integer.parseInt(args[1]) : 10);
            default -> {
                System.err.println("usage: ClusterBench idle [GROUPS] | throughput [SECONDS]");
                System.exit(2);
            }
        }
    }

    private static Map<NodeId, InetSocketAddress> members() throws IOException {
        Map<NodeId, InetSocketAddress> members = new TreeMap<>();
        for (int i = 1; i <= 3; i++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                members.put(
                        NodeId.of(i), new InetSocketAddress("127.0.0.1", socket.getLocalPort()));
            }
        }
        return members;
    }

    private static List<NodeProcess> startNodes(
            Map<NodeId, InetSocketAddress> members, int groups, int statsSeconds) throws Exception {
        Path root = Files.createTempDirectory("clusterbench");
        System.out.println("node data and stderr in " + root);
        String java = ProcessHandle.current().info().command().orElse("java");
        String memberList =
                String.join(
                        ",",
                        members.entrySet().stream()
                                .map(
                                        e ->
                                                e.getKey().value()
                                                        + "=127.0.0.1:"
                                                        + e.getValue().getPort())
                                .toList());
        List<NodeProcess> nodes = new ArrayList<>();
        for (NodeId id : members.keySet()) {
            List<String> command =
                    List.of(
                            java,
                            "-Xmx512m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.raftkv.raft.node.RaftNodeMain",
                            "--id",
                            String.valueOf(id.value()),
                            "--data-dir",
                            root.resolve("n" + id.value()).toString(),
                            "--groups",
                            String.valueOf(groups),
                            "--members",
                            memberList,
                            "--stats-seconds",
                            String.valueOf(statsSeconds));
            Path errors = root.resolve("n" + id.value() + ".err");
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            nodes.add(new NodeProcess(process));
        }
        for (NodeProcess node : nodes) {
            node.ready.get(60, TimeUnit.SECONDS);
        }
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(() -> nodes.forEach(node -> node.process.destroyForcibly())));
        return nodes;
    }

    private static void idle(int groups) throws Exception {
        List<NodeProcess> nodes = startNodes(members(), groups, 5);
        System.out.printf(
                "idle: 3 node processes, %d groups each; waiting for all to quiesce%n", groups);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (NodeProcess node : nodes) {
            while (true) {
                Stats stats = node.stats.poll(60, TimeUnit.SECONDS);
                if (stats == null || System.nanoTime() > deadline) {
                    throw new IllegalStateException("groups did not quiesce in time");
                }
                if (stats.groups() == groups && stats.quiesced() == groups) {
                    break;
                }
            }
        }
        List<Stats> first = new ArrayList<>();
        for (NodeProcess node : nodes) {
            node.stats.clear();
            first.add(node.stats.poll(30, TimeUnit.SECONDS));
        }
        List<Stats> last = new ArrayList<>();
        for (NodeProcess node : nodes) {
            Stats stats = null;
            for (int i = 0; i < 4; i++) {
                stats = node.stats.poll(30, TimeUnit.SECONDS);
            }
            last.add(stats);
        }
        for (int i = 0; i < nodes.size(); i++) {
            Stats a = first.get(i);
            Stats b = last.get(i);
            double seconds = (b.atNanos() - a.atNanos()) / 1e9;
            System.out.printf(
                    "node %d: cpu %.2f%% of a core, %.1f frames/s received, %d threads, heap in use %d MiB, %d/%d quiesced%n",
                    i + 1,
                    100.0 * (b.cpuMillis() - a.cpuMillis()) / 1000 / seconds,
                    (b.framesReceived() - a.framesReceived()) / seconds,
                    b.threads(),
                    b.heapMiB(),
                    b.quiesced(),
                    b.groups());
        }
        nodes.forEach(node -> node.process.destroyForcibly());
    }

    private static void throughput(int seconds) throws Exception {
        Map<NodeId, InetSocketAddress> members = members();
        List<NodeProcess> nodes = startNodes(members, 1, 0);
        try (RaftClient client = new RaftClient(members, Duration.ofSeconds(5))) {
            AtomicReference<NodeId> leader = new AtomicReference<>(NodeId.of(1));
            AtomicLong ids = new AtomicLong();
            warmUp(client, leader, ids);
            for (int concurrency : new int[] {1, 16, 128}) {
                runClosedLoop(client, leader, ids, concurrency, seconds);
            }
        } finally {
            nodes.forEach(node -> node.process.destroyForcibly());
        }
    }

    private static void warmUp(RaftClient client, AtomicReference<NodeId> leader, AtomicLong ids)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int applied = 0;
        while (applied < 1000 && System.nanoTime() < deadline) {
            ClientReply reply =
                    client.send(leader.get(), propose(ids)).exceptionally(e -> null).get();
            if (reply instanceof ClientReply.Applied) {
                applied++;
            } else {
                follow(leader, reply);
            }
        }
    }

    private static ClientRequest propose(AtomicLong ids) {
        long id = ids.incrementAndGet();
        return new ClientRequest.Propose(id, GroupId.of(1), ValueSetStateMachine.command(id));
    }

    private static void follow(AtomicReference<NodeId> leader, ClientReply reply) {
        int hint = reply instanceof ClientReply.NotLeader notLeader ? notLeader.leaderHint() : 0;
        leader.set(hint > 0 ? NodeId.of(hint) : NodeId.of(leader.get().value() % 3 + 1));
    }

    private static void runClosedLoop(
            RaftClient client,
            AtomicReference<NodeId> leader,
            AtomicLong ids,
            int concurrency,
            int seconds)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ConcurrentHashMap<Integer, List<Long>> latencies = new ConcurrentHashMap<>();
        AtomicLong done = new AtomicLong();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            List<Long> mine = new ArrayList<>();
            latencies.put(w, mine);
            CompletableFuture<Void> finished = new CompletableFuture<>();
            workers.add(finished);
            issue(client, leader, ids, end, mine, done, finished);
        }
        long start = System.nanoTime();
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
                .get(seconds + 30L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all =
                latencies.values().stream()
                        .flatMap(List::stream)
                        .mapToLong(Long::longValue)
                        .sorted()
                        .toArray();
        System.out.printf(
                "throughput: %3d in flight: %8.0f commits/s, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d commits)%n",
                concurrency,
                done.get() / elapsed,
                percentile(all, 0.50) / 1e6,
                percentile(all, 0.99) / 1e6,
                all.length == 0 ? 0 : all[all.length - 1] / 1e6,
                done.get());
    }

    /** One worker's chain: propose, on the answer record and propose again, until the end. */
    private static void issue(
            RaftClient client,
            AtomicReference<NodeId> leader,
            AtomicLong ids,
            long end,
            List<Long> latencies,
            AtomicLong done,
            CompletableFuture<Void> finished) {
        if (System.nanoTime() >= end) {
            finished.complete(null);
            return;
        }
        long sentAt = System.nanoTime();
        client.send(leader.get(), propose(ids))
                .whenComplete(
                        (reply, failure) -> {
                            if (reply instanceof ClientReply.Applied) {
                                latencies.add(System.nanoTime() - sentAt);
                                done.incrementAndGet();
                            } else if (reply != null) {
                                follow(leader, reply);
                            }
                            issue(client, leader, ids, end, latencies, done, finished);
                        });
    }

    private static double percentile(long[] sorted, double fraction) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
    }
}
