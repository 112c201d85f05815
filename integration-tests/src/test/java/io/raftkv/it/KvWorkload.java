package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.linearizability.KvInput;
import io.raftkv.shardkv.linearizability.KvOutput;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop client threads of a sharded cluster sharing one {@link ShardKvClient}: each appends
 * unique tokens ({@code c2.17;}) to a few keys, puts some and reads them, and records every
 * operation in one history with its call and return times (an operation that ran out of time as one
 * whose outcome is unknown), for the linearizability checker. Once they stop, {@link #finalReads}
 * reads every key back into the history.
 *
 * <p>The test thread starts, waits on and stops it; the client threads only add to the history.
 */
final class KvWorkload implements AutoCloseable {
    /** Out of ten operations, how many append and how many put; the others get. */
    record Mix(int appends, int puts) {
        Mix {
            assertThat(appends + puts).as("appends and puts out of ten").isBetween(0, 10);
        }
    }

    /** How long the clients may take to finish their last operations once told to stop. */
    private static final Duration STOP_PATIENCE = Duration.ofSeconds(120);

    /** How long {@link #awaitProgress} waits. */
    private static final Duration PROGRESS_PATIENCE = Duration.ofSeconds(30);

    private final ShardKvClient client;
    private final int clientCount;
    private final int keyCount;
    private final Mix mix;
    private final long startNanos = System.nanoTime();
    private final List<Operation> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong tokens = new AtomicLong();

    /** Operations whose outcome the client learned. */
    private final AtomicLong completed = new AtomicLong();

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;
    private volatile Throwable failure;

    private KvWorkload(ShardKvClient client, int clientCount, int keyCount, Mix mix) {
        this.client = client;
        this.clientCount = clientCount;
        this.keyCount = keyCount;
        this.mix = mix;
    }

    /** Starts {@code clientCount} clients over keys {@code key0} to {@code key<keyCount - 1>}. */
    static KvWorkload start(ShardKvClient client, int clientCount, int keyCount, Mix mix) {
        KvWorkload workload = new KvWorkload(client, clientCount, keyCount, mix);
        for (int c = 0; c < clientCount; c++) {
            int clientId = c;
            workload.threads.add(
                    Thread.ofPlatform()
                            .name("client-" + c)
                            .daemon(true)
                            .start(() -> workload.runCatching(clientId)));
        }
        return workload;
    }

    private void runCatching(int clientId) {
        try {
            run(clientId);
        } catch (Throwable e) {
            failure = e;
            throw e;
        }
    }

    private void run(int clientId) {
        SplittableRandom random = new SplittableRandom(clientId);
        while (!stopped) {
            String key = "key" + random.nextInt(keyCount);
            String token = "c%d.%d;".formatted(clientId, tokens.incrementAndGet());
            int dice = random.nextInt(10);
            KvInput input =
                    dice < mix.appends()
                            ? new KvInput.Append(key, token)
                            : dice < mix.appends() + mix.puts()
                                    ? new KvInput.Put(key, token)
                                    : new KvInput.Get(key);
            record(clientId, input);
        }
    }

    /** Runs {@code input} through the client and adds it to the history; returns its output. */
    private KvOutput record(int clientId, KvInput input) {
        long call = System.nanoTime() - startNanos;
        KvResult result = client.run(op(input));
        long ret = System.nanoTime() - startNanos;
        KvOutput output =
                switch (result) {
                    case KvResult.Ok ok -> new KvOutput.Ok();
                    case KvResult.Value value ->
                            new KvOutput.Value(value.value() == null ? null : text(value.value()));
                    default -> KvOutput.UNKNOWN;
                };
        if (output instanceof KvOutput.Unknown) {
            history.add(Operation.unknown(clientId, input, call));
        } else {
            history.add(new Operation(clientId, input, output, call, ret));
            completed.incrementAndGet();
        }
        return output;
    }

    private static KvOp op(KvInput input) {
        return switch (input) {
            case KvInput.Append append ->
                    new KvOp.Append(bytes(append.key()), bytes(append.value()));
            case KvInput.Put put -> new KvOp.Put(bytes(put.key()), bytes(put.value()));
            case KvInput.Get get -> new KvOp.Get(bytes(get.key()));
            default -> throw new IllegalArgumentException("not used here: " + input);
        };
    }

    /**
     * Waits until the clients have completed {@code count} more operations than when called: the
     * cluster serves them in this {@code phase} of the test.
     */
    void awaitProgress(int count, String phase) {
        long target = completed.get() + count;
        long deadline = System.nanoTime() + PROGRESS_PATIENCE.toNanos();
        while (failure == null && completed.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "waited %s for %d more completed operations (%s): %d of %d"
                                .formatted(
                                        PROGRESS_PATIENCE, count, phase, completed.get(), target));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        checkNoClientFailed();
    }

    private void checkNoClientFailed() {
        if (failure != null) {
            throw new AssertionError("a client thread failed", failure);
        }
    }

    /** Stops the clients and waits for their last operations. */
    void stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + STOP_PATIENCE.toNanos();
        for (Thread thread : threads) {
            long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            if (!thread.join(Duration.ofMillis(remainingMillis))) {
                throw new AssertionError(
                        thread.getName() + " did not stop within " + STOP_PATIENCE);
            }
        }
        checkNoClientFailed();
    }

    /**
     * After {@link #stop}: reads every key (recorded in the history as one more client), checks
     * that none holds a token twice (an append applied twice), and returns each key's value (null
     * if absent).
     */
    Map<String, String> finalReads() {
        assertThat(stopped).as("the clients have stopped").isTrue();
        TreeMap<String, String> values = new TreeMap<>();
        for (int k = 0; k < keyCount; k++) {
            String key = "key" + k;
            KvOutput output = record(clientCount, new KvInput.Get(key));
            assertThat(output).as("final read of %s", key).isInstanceOf(KvOutput.Value.class);
            String value = ((KvOutput.Value) output).value();
            values.put(key, value);
            if (value != null) {
                assertThat(Arrays.asList(value.split(";")))
                        .as("tokens of %s", key)
                        .doesNotHaveDuplicates();
            }
        }
        return values;
    }

    /**
     * Checks that every acknowledged append is in its key's final value; only a workload without
     * puts (which overwrite appends) can be checked so.
     */
    void assertAcknowledgedAppendsRead(Map<String, String> finalValues) {
        assertThat(mix.puts()).as("puts overwrite appends").isZero();
        int checked = 0;
        for (Operation operation : history()) {
            if (operation.input() instanceof KvInput.Append append
                    && operation.output() instanceof KvOutput.Ok) {
                String value = finalValues.get(append.key());
                List<String> tokens = value == null ? List.of() : Arrays.asList(value.split(";"));
                assertThat(tokens)
                        .as("acknowledged %s is read back", append)
                        .contains(append.value().replace(";", ""));
                checked++;
            }
        }
        assertThat(checked).as("acknowledged appends").isPositive();
    }

    /** Fails unless the whole history (with the final reads) is linearizable. */
    void assertLinearizable() {
        LinearizabilityChecker.assertLinearizable(history(), Duration.ofSeconds(60));
    }

    /** A copy of the history so far. */
    List<Operation> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Stops the clients if the test did not. */
    @Override
    public void close() throws InterruptedException {
        if (!stopped) {
            stop();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
