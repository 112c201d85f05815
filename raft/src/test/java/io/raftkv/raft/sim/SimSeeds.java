package io.raftkv.raft.sim;

import java.util.stream.LongStream;

/**
 * The seeds a randomized simulation test runs: {@code -Dsim.seed=N} replays exactly one; otherwise
 * {@code -Dsim.seeds=COUNT} seeds (the build's default is set in the parent POM) from a base that
 * differs per test class, so classes explore different runs.
 */
public final class SimSeeds {
    private SimSeeds() {}

    public static LongStream seeds(long base, int defaultCount) {
        return seeds(base, defaultCount, "sim.seeds");
    }

    /**
     * As {@link #seeds(long, int)}, with the count from {@code countProperty}: for a tier that runs
     * fewer seeds than the build's default for the swarms.
     */
    public static LongStream seeds(long base, int defaultCount, String countProperty) {
        String replay = System.getProperty("sim.seed");
        if (replay != null && !replay.isBlank()) {
            return LongStream.of(Long.parseLong(replay.trim()));
        }
        int count = Integer.getInteger(countProperty, defaultCount);
        long first = Long.getLong("sim.base", base);
        return LongStream.range(first, first + count);
    }

    /** Wraps a failure of one seed so its message says how to replay it. */
    public static AssertionError failure(long seed, Throwable cause) {
        AssertionError error =
                new AssertionError(
                        "simulation failed with seed %d (replay: -Dsim.seed=%d): %s"
                                .formatted(seed, seed, cause),
                        cause);
        return error;
    }
}
