package io.raftkv.shardctrler.server;

import io.raftkv.raft.sim.MutationRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutation runs (issue 15): with each {@link ControllerBug} planted, the controller swarm ({@link
 * ControllerSwarmTest}) must fail within {@value #SEEDS_DEFAULT} seeds. {@code -Dmutation.seeds=N
 * -Dmutation.base=B} tries N seeds from B (default 10000, the swarm's first).
 */
class ControllerMutationTest {
    private static final int SEEDS_DEFAULT = 50;

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = ControllerBug.class,
            mode = EnumSource.Mode.EXCLUDE,
            names = "CLAIM_BY_ANY_DISK") // the controller swarm loses no disks
    void theSwarmFindsThePlantedBug(ControllerBug bug) {
        MutationRun.assertFound(
                bug,
                Long.getLong("mutation.base", 10_000),
                Integer.getInteger("mutation.seeds", SEEDS_DEFAULT),
                ControllerSwarmTest::run);
    }
}
