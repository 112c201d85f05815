package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long {@code admin replace} takes for a replica holding {@code bench.keys} keys of {@code
 * bench.valueBytes} bytes (default 100,000 of 1 KiB, about 100 MB) on nodes of {@code
 * bench.nodeHeap} (default 1g), and what it does to client latency. A measurement, not a test: it
 * runs only with {@code -Dit.bench=true}, names no {@code *Test} class so CI never picks it up, and
 * prints its numbers instead of asserting on them.
 *
 * <p>Nodes 1-3 are the controllers; group 100 lives on nodes 4-6 with {@code --store mapdb}. After
 * loading, node 4 is killed and its data deleted (the lost disk), then clients read and write
 * random keys for {@code bench.seconds} (the "before" window, with the group on two replicas), then
 * {@code admin replace 100 4 7@...} runs while they go on (the "during" window), then another
 * window "after" it. For each window it prints operations, throughput and latency percentiles.
 *
 * <pre>
 * mvn -B -q verify -pl common,raft,shardctrler,shardkv,integration-tests \
 *     -Dtest=ReplicaReplacementBench -Dit.bench=true -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dbench.keys=100000 -Dbench.valueBytes=1024 -Dbench.clients=4 -Dbench.seconds=15 \
 *      -Dbench.nodeHeap=1g]
 * </pre>
 */
@EnabledIfSystemProperty(named = "it.bench", matches = "true")
class ReplicaReplacementBench {
    private static final int CONTROLLERS = 3;
    private static final NodeId LOST = NodeId.of(4);
    private static final NodeId REPLACEMENT = NodeId.of(7);
    private static final int KEYS = Integer.getInteger("bench.keys", 100_000);
    private static final int VALUE_BYTES = Integer.getInteger("bench.valueBytes", 1024);
    private static final int CLIENTS = Integer.getInteger("bench.clients", 4);
    private static final int WINDOW_SECONDS = Integer.getInteger("bench.seconds", 15);
    private static final int LOAD_IN_FLIGHT = 64;

    /**
     * NB: a replica's snapshot is one byte array on the heap ({@code StateMachine#snapshot}), so
     * nodes of 256 MiB, the tests' size, halted with OutOfMemoryError at about 70 MB of data.
     */
    private static final String NODE_HEAP = System.getProperty("bench.nodeHeap", "1g");

    @TempDir Path root;

    private NodeProcesses nodes;

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent() && nodes != null) {
                    System.err.println("node process logs:\n" + nodes.logTails());
                }
            };

    @AfterEach
    void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void replaceAReplicaHoldingTheData() throws Exception {
        nodes =
                new NodeProcesses(
                        root, 7, NodeProcesses.shardKvNodes(3, "--store", "mapdb"), NODE_HEAP);
        nodes.start(nodes.othersThan(REPLACEMENT));
        admin("join", "100", nodes.member(LOST) + "," + members(5, 6));
        try (ShardKvClient client =
                new ShardKvClient(
                        nodes.controllers(CONTROLLERS), new KvRouter.Options(60_000, 200))) {
            long loadNanos = load(client);
            report(
                    "loaded %d keys of %d bytes in %.1f s (%.0f puts/s); data directory of n5: %s"
                            .formatted(
                                    KEYS,
                                    VALUE_BYTES,
                                    loadNanos / 1e9,
                                    KEYS / (loadNanos / 1e9),
                                    megabytes(nodes.dataDirectory(NodeId.of(5)))));
            nodes.kill(LOST);
            nodes.wipe(LOST);
            nodes.start(REPLACEMENT);
            measure(client);
        }
    }

    /** Puts every key once, {@value #LOAD_IN_FLIGHT} at a time; returns how long it took. */
    private static long load(ShardKvClient client) throws InterruptedException {
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(LOAD_IN_FLIGHT);
        AtomicLong failures = new AtomicLong();
        for (int k = 0; k < KEYS; k++) {
            inFlight.acquire();
            assertThat(failures.get()).as("failed puts after %d keys", k).isZero();
            CompletableFuture<KvResult> put = client.execute(new KvOp.Put(key(k), value(k, 0)));
            put.whenComplete(
                    (result, error) -> {
                        if (!(result instanceof KvResult.Ok)) {
                            failures.incrementAndGet();
                        }
                        inFlight.release();
                    });
        }
        inFlight.acquire(LOAD_IN_FLIGHT);
        assertThat(failures.get()).as("failed puts while loading").isZero();
        return System.nanoTime() - start;
    }

    /** The three windows: before, during and after the replacement. */
    private void measure(ShardKvClient client) throws Exception {
        Recorder latencies = new Recorder(TimeUnit.MINUTES.toNanos(2), 3);
        AtomicLong failures = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        AtomicBoolean stopped = new AtomicBoolean();
        for (int c = 0; c < CLIENTS; c++) {
            SplittableRandom random = new SplittableRandom(c);
            clients.add(
                    Thread.ofPlatform()
                            .daemon(true)
                            .start(
                                    () -> {
                                        while (!stopped.get()) {
                                            runOne(client, random, latencies, failures);
                                        }
                                    }));
        }
        pause(2); // the clients find the group's leader after the kill
        latencies.getIntervalHistogram(); // and that is not measured
        pause(WINDOW_SECONDS);
        long beforeFailures = failures.getAndSet(0);
        Histogram before = latencies.getIntervalHistogram();

        long start = System.nanoTime();
        Cli replace = admin("replace", "100", "4", nodes.member(REPLACEMENT));
        long replaceNanos = System.nanoTime() - start;
        long duringFailures = failures.getAndSet(0);
        Histogram during = latencies.getIntervalHistogram();

        pause(WINDOW_SECONDS);
        long afterFailures = failures.getAndSet(0);
        Histogram after = latencies.getIntervalHistogram();
        stopped.set(true);
        for (Thread thread : clients) {
            thread.join();
        }
        report(
                "admin replace took %.1f s: %s"
                        .formatted(replaceNanos / 1e9, replace.out().strip()));
        report("data directory of n7 after: " + megabytes(nodes.dataDirectory(REPLACEMENT)));
        report(
                "%-7s %8s %8s %8s %8s %8s %9s %8s"
                        .formatted(
                                "window", "ops", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms",
                                "failed"));
        row("before", before, WINDOW_SECONDS * 1e9, beforeFailures);
        row("during", during, replaceNanos, duringFailures);
        row("after", after, WINDOW_SECONDS * 1e9, afterFailures);
    }

    /** One get or put (half each) of a random key, timed. */
    private static void runOne(
            ShardKvClient client,
            SplittableRandom random,
            Recorder latencies,
            AtomicLong failures) {
        int k = random.nextInt(KEYS);
        KvOp op =
                random.nextBoolean()
                        ? new KvOp.Get(key(k))
                        : new KvOp.Put(key(k), value(k, random.nextInt(1_000)));
        long start = System.nanoTime();
        KvResult result = client.run(op);
        latencies.recordValue(Math.min(System.nanoTime() - start, TimeUnit.MINUTES.toNanos(2)));
        if (!(result instanceof KvResult.Ok) && !(result instanceof KvResult.Value)) {
            failures.incrementAndGet();
        }
    }

    private static void row(String window, Histogram latencies, double nanos, long failures) {
        report(
                "%-7s %8d %8.0f %8.1f %8.1f %8.1f %9.1f %8d"
                        .formatted(
                                window,
                                latencies.getTotalCount(),
                                latencies.getTotalCount() / (nanos / 1e9),
                                latencies.getValueAtPercentile(50) / 1e6,
                                latencies.getValueAtPercentile(99) / 1e6,
                                latencies.getValueAtPercentile(99.9) / 1e6,
                                latencies.getMaxValue() / 1e6,
                                failures));
    }

    private Cli admin(String... args) {
        Cli cli = Cli.admin(nodes, CONTROLLERS, 3_600, args);
        assertThat(cli.code()).as(cli.toString()).isZero();
        return cli;
    }

    private String members(int... ids) {
        return String.join(
                ",", Arrays.stream(ids).mapToObj(id -> nodes.member(NodeId.of(id))).toList());
    }

    private static byte[] key(int k) {
        return ("key%08d".formatted(k)).getBytes(StandardCharsets.UTF_8);
    }

    /** {@value #VALUE_BYTES} bytes that differ by key and version, not compressible to nothing. */
    private static byte[] value(int k, int version) {
        byte[] value = new byte[VALUE_BYTES];
        new SplittableRandom(k * 1_000L + version).nextBytes(value);
        return value;
    }

    private static String megabytes(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            long bytes =
                    files.filter(Files::isRegularFile)
                            .mapToLong(
                                    file -> {
                                        try {
                                            return Files.size(file);
                                        } catch (IOException e) {
                                            throw new UncheckedIOException(e);
                                        }
                                    })
                            .sum();
            return "%.1f MB".formatted(bytes / 1e6);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause(int seconds) {
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
    }

    private static void report(String line) {
        System.out.println("BENCH " + line);
    }
}
