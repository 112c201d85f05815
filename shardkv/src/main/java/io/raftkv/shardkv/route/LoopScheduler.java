package io.raftkv.shardkv.route;

/**
 * The single thread that routing and migration code runs on: a Netty event loop for real nodes and
 * clients, the simulator's scheduler in tests.
 */
public interface LoopScheduler {
    /** Milliseconds on this loop's clock (virtual in the simulator). */
    long nowMillis();

    /** Runs {@code task} on the loop after {@code delayMillis}. */
    void schedule(long delayMillis, Runnable task);
}
