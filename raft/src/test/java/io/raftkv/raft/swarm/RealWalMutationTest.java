package io.raftkv.raft.swarm;

import io.raftkv.raft.sim.MutationRun;
import io.raftkv.raft.storage.WalBug;
import io.raftkv.raft.swarm.RaftSwarm.Members;
import io.raftkv.raft.swarm.RaftSwarm.Storage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutation runs (issue 15) for the swarm on the real write-ahead log ({@link RealWalSwarmTest}):
 * with each {@link WalBug} planted, it must fail within {@value #SEEDS_DEFAULT} seeds. {@code
 * -Dmutation.seeds=N -Dmutation.base=B} tries N seeds from B (default 2000000, the tier's first).
 */
class RealWalMutationTest {
    private static final int SEEDS_DEFAULT = 50;
    private static final long CHAOS_MILLIS = 10_000;

    @ParameterizedTest(name = "{0}")
    @EnumSource(WalBug.class)
    void theSwarmOnTheRealWalFindsThePlantedBug(WalBug bug) {
        MutationRun.assertFound(
                bug,
                Long.getLong("mutation.base", 2_000_000),
                Integer.getInteger("mutation.seeds", SEEDS_DEFAULT),
                seed -> new RaftSwarm(seed, Members.CHANGING, Storage.REAL_WAL).run(CHAOS_MILLIS));
    }
}
