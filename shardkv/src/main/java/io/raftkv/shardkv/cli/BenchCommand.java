package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.demo.DemoCluster;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv bench}: closed-loop load (each client waits for its answer before the next
 * operation) against a cluster or an embedded one; prints ops/s and latency percentiles.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Closed-loop load: CLIENTS clients each run one operation at a time for DURATION"
                        + " seconds, reading a random one of KEYS keys with probability"
                        + " READ-RATIO and writing VALUE-SIZE bytes otherwise. Prints ops/s and"
                        + " latency percentiles (HdrHistogram); --json for scripts.")
final class BenchCommand implements Callable<Integer> {
    private static final long PROGRESS_MILLIS = 1_000;

    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Option(names = "--embedded", description = "Run against a 3-node cluster in this process.")
    boolean embedded;

    @Option(names = "--clients", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(
            names = "--duration",
            defaultValue = "10",
            description = "Seconds. Default: ${DEFAULT-VALUE}.")
    int durationSeconds;

    @Option(names = "--keys", defaultValue = "1000", description = "Default: ${DEFAULT-VALUE}.")
    int keys;

    @Option(
            names = "--value-size",
            defaultValue = "100",
            description = "Bytes. Default: ${DEFAULT-VALUE}.")
    int valueSize;

    @Option(
            names = "--read-ratio",
            defaultValue = "0.5",
            description = "Share of reads, 0 to 1. Default: ${DEFAULT-VALUE}.")
    double readRatio;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    /** What a run measured. */
    record Result(long operations, long errors, double seconds, Histogram latencyMicros) {
        double opsPerSecond() {
            return operations / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (clients < 1
                || durationSeconds < 1
                || keys < 1
                || valueSize < 0
                || readRatio < 0
                || readRatio > 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--clients, --duration and --keys must be positive, --value-size >= 0,"
                            + " --read-ratio in [0, 1]");
        }
        Result result;
        if (embedded) {
            try (DemoCluster local = new DemoCluster(3, 3, null, 0)) {
                result = run(local.client());
            }
        } else {
            try (ShardKvClient client = cluster.client()) {
                result = run(client);
            }
        }
        print(result);
        return result.errors() == 0 ? 0 : 1;
    }

    private Result run(ShardKvClient client) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        LongAdder errors = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        byte[] value = new byte[valueSize];
        java.util.Arrays.fill(value, (byte) 'x');
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            SplittableRandom random = new SplittableRandom(c);
            threads.add(
                    Thread.ofVirtual()
                            .start(() -> loop(client, random, value, recorder, errors, running)));
        }
        Histogram total = new Histogram(3);
        long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
        while (System.nanoTime() < end) {
            Thread.sleep(
                    Math.min(PROGRESS_MILLIS, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            total.add(recorder.getIntervalHistogram());
            progress(total.getTotalCount(), System.nanoTime() - start);
        }
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        total.add(recorder.getIntervalHistogram());
        spec.commandLine().getErr().println();
        return new Result(total.getTotalCount(), errors.sum(), seconds, total);
    }

    private void loop(
            ShardKvClient client,
            SplittableRandom random,
            byte[] value,
            Recorder recorder,
            LongAdder errors,
            AtomicBoolean running) {
        while (running.get()) {
            byte[] key = ("bench-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8);
            KvOp op =
                    random.nextDouble() < readRatio ? new KvOp.Get(key) : new KvOp.Put(key, value);
            long begin = System.nanoTime();
            KvResult result = client.run(op);
            if (result instanceof KvResult.Ok || result instanceof KvResult.Value) {
                recorder.recordValue(Math.max(1, (System.nanoTime() - begin) / 1_000));
            } else {
                errors.increment();
            }
        }
    }

    private void progress(long operations, long elapsedNanos) {
        int width = 30;
        long total = TimeUnit.SECONDS.toNanos(durationSeconds);
        int done = (int) Math.min(width, width * elapsedNanos / total);
        PrintWriter err = spec.commandLine().getErr();
        err.printf(
                "\r[%s%s] %ds %d ops",
                "#".repeat(done),
                " ".repeat(width - done),
                TimeUnit.NANOSECONDS.toSeconds(elapsedNanos),
                operations);
        err.flush();
    }

    private void print(Result result) {
        PrintWriter out = spec.commandLine().getOut();
        Histogram h = result.latencyMicros();
        if (json) {
            out.printf(
                    "{\"clients\":%d,\"seconds\":%.2f,\"operations\":%d,\"errors\":%d,"
                            + "\"opsPerSecond\":%.1f,\"latencyMicros\":{\"p50\":%d,\"p90\":%d,"
                            + "\"p99\":%d,\"p999\":%d,\"max\":%d}}%n",
                    clients,
                    result.seconds(),
                    result.operations(),
                    result.errors(),
                    result.opsPerSecond(),
                    h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90),
                    h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9),
                    h.getMaxValue());
            return;
        }
        out.printf(
                "%d clients, %.1f s: %d operations, %.0f ops/s, %d errors%n",
                clients,
                result.seconds(),
                result.operations(),
                result.opsPerSecond(),
                result.errors());
        out.printf(
                "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3);
    }
}
