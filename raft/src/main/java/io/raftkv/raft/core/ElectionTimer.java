package io.raftkv.raft.core;

import java.util.SplittableRandom;

/**
 * A replica's election clock, in ticks: how long since it last heard from a leader or granted a
 * vote (for a leader, how long its current check-quorum period has run), and the randomized timeout
 * that ends a follower's or candidate's wait (Raft section 5.2).
 *
 * <p>It holds the replica's only randomness: each {@link #reset()} draws the next timeout from the
 * seed given at construction, so equal inputs give equal outputs. Owned by its {@link RaftReplica},
 * on its thread.
 */
final class ElectionTimer {
    private final RaftOptions options;
    private final SplittableRandom random;
    private int elapsed;
    private int randomizedTimeout;

    /** Starts at zero elapsed ticks with a first randomized timeout drawn from {@code seed}. */
    ElectionTimer(RaftOptions options, long seed) {
        this.options = options;
        this.random = new SplittableRandom(seed);
        drawTimeout();
    }

    /** Ticks since the last restart. */
    int elapsed() {
        return elapsed;
    }

    /** Counts one tick. */
    void tick() {
        elapsed++;
    }

    /** Whether a follower or candidate has waited its randomized timeout out. */
    boolean timedOut() {
        return elapsed >= randomizedTimeout;
    }

    /** Starts counting again from zero, keeping the timeout. */
    void restart() {
        elapsed = 0;
    }

    /** Starts counting again from zero with a newly drawn timeout: a new role or round. */
    void reset() {
        elapsed = 0;
        drawTimeout();
    }

    /** Makes the next tick's check find the timeout reached, so the replica campaigns then. */
    void expire() {
        elapsed = randomizedTimeout;
    }

    /**
     * Counts the leader's lease as expired ({@link RaftOptions#electionTicksMin()} elapsed): votes
     * are granted again, and the timeout follows if the leader stays silent.
     */
    void expireLease() {
        elapsed = options.electionTicksMin();
    }

    private void drawTimeout() {
        randomizedTimeout = random.nextInt(options.electionTicksMin(), options.electionTicksMax());
    }
}
