package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.PlantedBugs;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Mutation runs (issue 15): a swarm run seed after seed with one bug planted, until a seed fails. A
 * bug that no seed of the bound finds is a blind spot of the swarm, to be closed in the swarm.
 */
public final class MutationRun {
    /** The first seed that failed with the bug planted, and how. */
    public record Found(long seed, Throwable failure) {}

    private MutationRun() {}

    /**
     * Asserts that {@code swarm}, run on seeds {@code base} to {@code base + count - 1} with {@code
     * bug} planted, fails on one of them, and prints the first that did (replay it with {@code
     * -Dsim.seed} and the bug planted).
     *
     * @param swarm runs one seed, throwing on a violation
     */
    public static void assertFound(Enum<?> bug, long base, int count, LongConsumer swarm) {
        Optional<Found> found = Optional.empty();
        try (PlantedBugs.Planting planted = PlantedBugs.plant(bug)) {
            for (long seed = base; seed < base + count && found.isEmpty(); seed++) {
                found = failureOf(seed, swarm);
            }
        }
        assertThat(found)
                .as("%s planted: no violation in seeds %d to %d", bug, base, base + count - 1)
                .isPresent();
        System.out.printf(
                "mutation %s: found by seed %d (%d of at most %d): %s%n",
                bug, found.get().seed(), found.get().seed() - base + 1, count, firstLine(found));
    }

    private static Optional<Found> failureOf(long seed, LongConsumer swarm) {
        try {
            swarm.accept(seed);
            return Optional.empty();
        } catch (Throwable failure) {
            return Optional.of(new Found(seed, failure));
        }
    }

    private static String firstLine(Optional<Found> found) {
        String text = String.valueOf(found.orElseThrow().failure());
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
