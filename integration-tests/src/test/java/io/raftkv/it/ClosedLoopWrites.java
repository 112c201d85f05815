package io.raftkv.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One closed-loop write load, the same for every system a benchmark compares: {@code clients}
 * loops, each putting a value of {@code valueBytes} random bytes under a random one of {@code
 * keyCount} keys, waiting for the put to complete, and putting again at once. A loop is a chain of
 * callbacks, not a thread: the next put is issued by the callback of the previous one, on whatever
 * thread the system's client completes it, so 256 clients need no 256 threads on a 2-core machine.
 * Latency is from the call of {@link Store#put} to the completion of its future.
 *
 * <p>A run warms up for {@code warmUp} (not measured: JIT, connections, sessions), measures for
 * {@code measured}, then stops the loops and waits until every put in flight has completed, so that
 * the next run, maybe of another system, starts on a quiet machine.
 */
final class ClosedLoopWrites {
    private static final long LATENCY_MAX_NANOS = TimeUnit.MINUTES.toNanos(2);
    private static final Duration DRAIN_PATIENCE = Duration.ofSeconds(60);
    private static final int VALUE_POOL = 64;

    /** A system under test, as the load sees it. */
    interface Store {
        /**
         * Puts {@code value} under {@code key}; the future completes once the write is committed,
         * exceptionally if it failed. May be called from any thread, concurrently.
         */
        CompletableFuture<?> put(byte[] key, byte[] value);
    }

    /** What one run measured. */
    record Result(
            String system,
            int clients,
            long writes,
            double seconds,
            Histogram latencies,
            long failures) {
        double writesPerSecond() {
            return writes / seconds;
        }

        double percentileMillis(double percentile) {
            return latencies.getValueAtPercentile(percentile) / 1e6;
        }
    }

    private final byte[][] keys;
    private final byte[][] values;

    ClosedLoopWrites(int keyCount, int valueBytes) {
        keys = new byte[keyCount][];
        for (int k = 0; k < keyCount; k++) {
            keys[k] = "key%06d".formatted(k).getBytes(StandardCharsets.UTF_8);
        }
        SplittableRandom random = new SplittableRandom(13);
        values = new byte[VALUE_POOL][valueBytes];
        for (byte[] value : values) {
            random.nextBytes(value);
        }
    }

    /** Loads {@code store} with {@code clients} loops; see the class comment. */
    Result run(String system, Store store, int clients, Duration warmUp, Duration measured)
            throws InterruptedException {
        Run run = new Run(store, clients);
        for (int c = 0; c < clients; c++) {
            run.issue(new SplittableRandom(c));
        }
        pause(warmUp);
        run.latencies.getIntervalHistogram(); // the warm-up is not measured
        long failuresBefore = run.failures.get();
        long start = System.nanoTime();
        pause(measured);
        Histogram latencies = run.latencies.getIntervalHistogram();
        double seconds = (System.nanoTime() - start) / 1e9;
        long failures = run.failures.get() - failuresBefore;
        run.stopAndDrain();
        return new Result(system, clients, latencies.getTotalCount(), seconds, latencies, failures);
    }

    /** The loops of one run. */
    private final class Run {
        final Store store;
        final Recorder latencies = new Recorder(LATENCY_MAX_NANOS, 3);
        final AtomicLong failures = new AtomicLong();
        final CountDownLatch stoppedLoops;
        volatile boolean stopping;

        Run(Store store, int clients) {
            this.store = store;
            this.stoppedLoops = new CountDownLatch(clients);
        }

        /** One put of a loop; its completion issues the loop's next put. */
        void issue(SplittableRandom random) {
            if (stopping) {
                stoppedLoops.countDown();
                return;
            }
            byte[] key = keys[random.nextInt(keys.length)];
            byte[] value = values[random.nextInt(values.length)];
            long start = System.nanoTime();
            CompletableFuture<?> put;
            try {
                put = store.put(key, value);
            } catch (RuntimeException e) {
                put = CompletableFuture.failedFuture(e);
            }
            BiConsumer<Object, Throwable> done =
                    (ignored, error) -> {
                        long nanos = System.nanoTime() - start;
                        if (error == null) {
                            latencies.recordValue(Math.min(nanos, LATENCY_MAX_NANOS));
                        } else {
                            failures.incrementAndGet();
                        }
                        issue(random);
                    };
            // NB: a put already complete (a client that fails at once) would otherwise run the
            // loop's next put on this stack, and the one after that, until it overflows
            if (put.isDone()) {
                put.whenCompleteAsync(done);
            } else {
                put.whenComplete(done);
            }
        }

        void stopAndDrain() throws InterruptedException {
            stopping = true;
            if (!stoppedLoops.await(DRAIN_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "%d loops still waited for a put %s after the run"
                                .formatted(stoppedLoops.getCount(), DRAIN_PATIENCE));
            }
        }
    }

    private static void pause(Duration duration) {
        LockSupport.parkNanos(duration.toNanos());
    }
}
