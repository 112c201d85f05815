package io.raftkv.raft.host;

import io.raftkv.common.Check;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A real-time loop for a {@link GroupHost} without Netty: one thread that runs the host's tasks and
 * ticks it every {@code tickMillis}. Used by one-JVM clusters (the demo) and tests of the layers
 * above; a node process drives its host from a Netty event loop instead.
 */
public final class LoopThread implements Executor, AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;

    public LoopThread(String name) {
        executor =
                new ScheduledThreadPoolExecutor(
                        1,
                        runnable -> {
                            Thread thread = new Thread(runnable, name);
                            thread.setDaemon(true);
                            return thread;
                        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
        if (!executor.isShutdown()) {
            executor.execute(task);
        }
    }

    /** Ticks {@code host} every {@code tickMillis} on this loop. */
    public void tickEvery(GroupHost host, long tickMillis) {
        Check.argument(tickMillis > 0, "tickMillis must be positive");
        executor.scheduleAtFixedRate(host::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** The executor, for scheduling delayed work on this loop. */
    public ScheduledExecutorService scheduler() {
        return executor;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
