package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.linearizability.KvInput;
import io.raftkv.shardkv.linearizability.KvOutput;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * Closed-loop Redis clients (Jedis, one connection each) over a few keys: GET, SET, APPEND, SET NX
 * and DEL with unique tokens, each recorded with its call and return times for the linearizability
 * checker. SET NX is a compare-and-set from absent. A reply {@code -UNKNOWN}, or a connection lost
 * while a write was under way, makes the write's outcome unknown; {@code -UNAVAILABLE} means it was
 * not applied, so it is left out of the history, as is a read that got no answer. A client whose
 * connection fails dials the next node.
 */
final class RedisWorkload {
    private final IntFunction<Jedis> dial;
    private final int keyCount;
    private final int nodeCount;
    private final long startNanos = System.nanoTime();
    private final List<Operation> history = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong tokens = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;
    private volatile Throwable failure;

    /**
     * @param dial a connection to node {@code i} (from 0)
     */
    RedisWorkload(IntFunction<Jedis> dial, int nodeCount, int keyCount) {
        this.dial = dial;
        this.nodeCount = nodeCount;
        this.keyCount = keyCount;
    }

    void start(int clientCount) {
        for (int c = 0; c < clientCount; c++) {
            int client = c;
            threads.add(
                    Thread.ofPlatform()
                            .name("redis-client-" + c)
                            .daemon(true)
                            .start(
                                    () -> {
                                        try {
                                            run(client);
                                        } catch (Throwable e) {
                                            failure = e;
                                        }
                                    }));
        }
    }

    long completed() {
        return completed.get();
    }

    private void run(int client) {
        SplittableRandom random = new SplittableRandom(client);
        int node = client % nodeCount;
        Jedis jedis = dial.apply(node);
        while (!stopped) {
            String key = "rkey" + random.nextInt(keyCount);
            String token = "c%d.%d;".formatted(client, tokens.incrementAndGet());
            KvInput input =
                    switch (random.nextInt(10)) {
                        case 0, 1, 2 -> new KvInput.Append(key, token);
                        case 3, 4 -> new KvInput.Put(key, token);
                        case 5 -> new KvInput.CompareAndSet(key, null, token);
                        case 6 -> new KvInput.Delete(key);
                        default -> new KvInput.Get(key);
                    };
            if (!record(client, jedis, input)) {
                jedis.close();
                node = (node + 1) % nodeCount;
                jedis = dial.apply(node);
            }
        }
        jedis.close();
    }

    /** Runs {@code input} and records it; false if the connection failed. */
    private boolean record(int client, Jedis jedis, KvInput input) {
        long call = System.nanoTime() - startNanos;
        KvOutput output;
        boolean connected = true;
        try {
            output = execute(jedis, input);
        } catch (JedisDataException error) {
            String message = String.valueOf(error.getMessage());
            if (!message.startsWith("UNKNOWN") && !message.startsWith("UNAVAILABLE")) {
                throw error;
            }
            output = message.startsWith("UNKNOWN") ? KvOutput.UNKNOWN : null;
        } catch (JedisConnectionException lost) {
            output = KvOutput.UNKNOWN;
            connected = false;
        }
        long returned = System.nanoTime() - startNanos;
        if (output == null || (output == KvOutput.UNKNOWN && input instanceof KvInput.Get)) {
            return connected; // not applied, or a read that learned nothing
        }
        if (output == KvOutput.UNKNOWN) {
            history.add(Operation.unknown(client, input, call));
        } else {
            history.add(new Operation(client, input, output, call, returned));
            completed.incrementAndGet();
        }
        return connected;
    }

    private static KvOutput execute(Jedis jedis, KvInput input) {
        return switch (input) {
            case KvInput.Get get -> KvOutput.value(jedis.get(get.key()));
            case KvInput.Put put -> {
                assertThat(jedis.set(put.key(), put.value())).isEqualTo("OK");
                yield KvOutput.OK;
            }
            case KvInput.Append append -> {
                assertThat(jedis.append(append.key(), append.value())).isPositive();
                yield KvOutput.OK;
            }
            case KvInput.CompareAndSet cas ->
                    new KvOutput.Swapped(
                            "OK"
                                    .equals(
                                            jedis.set(
                                                    cas.key(),
                                                    cas.newValue(),
                                                    SetParams.setParams().nx())));
            case KvInput.Delete delete -> {
                jedis.del(delete.key());
                yield KvOutput.OK;
            }
        };
    }

    /** Stops the clients, then reads every key back through {@code reader} into the history. */
    void stop(Jedis reader) throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            assertThat(thread.join(Duration.ofSeconds(60)))
                    .as(thread.getName() + " stopped")
                    .isTrue();
        }
        if (failure != null) {
            throw new AssertionError("a Redis client failed", failure);
        }
        for (int k = 0; k < keyCount; k++) {
            assertThat(record(nodeCount, reader, new KvInput.Get("rkey" + k))).isTrue();
        }
    }

    void assertLinearizable() {
        List<Operation> operations;
        synchronized (history) {
            operations = List.copyOf(history);
        }
        LinearizabilityChecker.assertLinearizable(operations, Duration.ofSeconds(60));
    }
}
