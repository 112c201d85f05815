package io.raftkv.raft.core;

import java.util.SplittableRandom;

/**
 * Runs a randomized property once per seed, each seed with its own {@link SplittableRandom}, so a
 * failure names the one seed that replays it. {@code -Dunit.seed=N} runs only seed N.
 */
public final class SeededCases {
    /** One randomized case: everything random must come from {@code random}. */
    @FunctionalInterface
    public interface SeededCase {
        void run(long seed, SplittableRandom random);
    }

    private SeededCases() {}

    /** Runs {@code body} for seeds {@code firstSeed} to {@code firstSeed + count - 1}. */
    public static void forEachSeed(long firstSeed, int count, SeededCase body) {
        Long replay = Long.getLong("unit.seed");
        if (replay != null) {
            runOne(replay, body);
            return;
        }
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            runOne(seed, body);
        }
    }

    private static void runOne(long seed, SeededCase body) {
        try {
            body.run(seed, new SplittableRandom(seed));
        } catch (AssertionError | RuntimeException failure) {
            throw new AssertionError(
                    "failed with seed %d (replay with -Dunit.seed=%d): %s"
                            .formatted(seed, seed, failure.getMessage()),
                    failure);
        }
    }
}
