package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.PlantedBugs;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutation runs (issue 15): with each {@link ControllerBug} planted, the controller swarm ({@link
 * ControllerSwarmTest}) must fail within {@value #SEEDS_DEFAULT} seeds. {@code -Dmutation.seeds=N
 * -Dmutation.base=B} tries N seeds from B (default 10000, the swarm's first).
 */
class ControllerMutationTest {
    private static final int SEEDS_DEFAULT = 50;

    /** The first seed that failed with the bug planted, and how. */
    private record Found(long seed, Throwable failure) {}

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = ControllerBug.class,
            mode = EnumSource.Mode.EXCLUDE,
            names = "CLAIM_BY_ANY_DISK") // the controller swarm loses no disks
    void theSwarmFindsThePlantedBug(ControllerBug bug) {
        long base = Long.getLong("mutation.base", 10_000);
        int count = Integer.getInteger("mutation.seeds", SEEDS_DEFAULT);
        Optional<Found> found = Optional.empty();
        try (PlantedBugs.Planting planted = PlantedBugs.plant(bug)) {
            for (long seed = base; seed < base + count && found.isEmpty(); seed++) {
                found = failureOf(seed);
            }
        }
        assertThat(found)
                .as("%s planted: no violation in seeds %d to %d", bug, base, base + count - 1)
                .isPresent();
        System.out.printf(
                "%s found by seed %d (%d of %d tried): %s%n",
                bug,
                found.get().seed(),
                found.get().seed() - base + 1,
                count,
                found.get().failure());
    }

    private static Optional<Found> failureOf(long seed) {
        try {
            ControllerSwarmTest.run(seed);
            return Optional.empty();
        } catch (Throwable failure) {
            return Optional.of(new Found(seed, failure));
        }
    }
}
