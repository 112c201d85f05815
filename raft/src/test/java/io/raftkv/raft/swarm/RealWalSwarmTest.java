package io.raftkv.raft.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.raft.sim.SimSeeds;
import io.raftkv.raft.sim.WalDisk;
import io.raftkv.raft.swarm.RaftSwarm.Members;
import io.raftkv.raft.swarm.RaftSwarm.Storage;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Raft swarm with every node on the production {@link io.raftkv.raft.storage.WriteAheadLog}
 * over {@link io.raftkv.raft.sim.FaultyFiles} (issue 15): crashes keep a random, possibly torn,
 * prefix of each file's unsynced writes and the directory entries as last synced; some syncs fail
 * and halt the node; every restart recovers the log from what the files hold. The swarm's checks
 * apply unchanged, and the simulator checks every acknowledgement and vote against what the log
 * recovers from the durable images alone.
 *
 * <p>Seeds: {@value #SEEDS_DEFAULT} by default (about a minute), {@code -Dsim.walSeeds=N} for more
 * (not {@code sim.seeds}, which the build sets to 300 for every swarm), from {@code -Dsim.base=B};
 * {@code -Dsim.seed=S} replays one.
 */
class RealWalSwarmTest {
    private static final long CHAOS_MILLIS = 10_000;
    private static final int SEEDS_DEFAULT = 30;

    static LongStream seeds() {
        return SimSeeds.seeds(2_000_000, SEEDS_DEFAULT, "sim.walSeeds");
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void clusterOnTheRealWalStaysSafeThroughTornCrashesAndFailedSyncs(long seed) {
        run(seed);
    }

    /**
     * Seeds that once failed, kept whatever {@code -Dsim.walSeeds} says. 2000001: a segment rolled
     * over before its unsynced last round was synced; a failed sync between the two left a torn
     * tail in a segment that was no longer the last, and recovery refused it as corruption.
     * 2000135: a node crashed before its log made a group's removal durable, and restarted with the
     * group on disk but hosted nowhere; a restarted node now deletes it again.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {2000001, 2000135})
    void formerlyFailingSeedsStayFixed(long seed) {
        run(seed);
    }

    @Test
    void aSeedReplaysIdentically() {
        RaftSwarm first = new RaftSwarm(2000001, Members.CHANGING, Storage.REAL_WAL);
        first.run(CHAOS_MILLIS);
        RaftSwarm second = new RaftSwarm(2000001, Members.CHANGING, Storage.REAL_WAL);
        second.run(CHAOS_MILLIS);
        assertThat(second.simulation().traceHash()).isEqualTo(first.simulation().traceHash());
        assertThat(second.simulation().halts()).isEqualTo(first.simulation().halts());
        assertThat(second.simulation().scheduler().eventsRun())
                .isEqualTo(first.simulation().scheduler().eventsRun());
    }

    private static void run(long seed) {
        RaftSwarm swarm = new RaftSwarm(seed, Members.CHANGING, Storage.REAL_WAL);
        try {
            swarm.run(CHAOS_MILLIS);
        } catch (Throwable failure) {
            throw SimSeeds.failure(seed, failure);
        }
        assertThat(swarm.acknowledgedWrites()).as("seed %d made progress", seed).isPositive();
        long crashes = 0;
        long torn = 0;
        long syncFailures = 0;
        for (NodeId node : swarm.simulation().nodeIds()) {
            var files = ((WalDisk) swarm.simulation().node(node).disk()).files();
            crashes += files.crashes();
            torn += files.tornWrites();
            syncFailures += files.syncFailures();
        }
        System.out.printf(
                "real WAL seed %d: %d writes acknowledged, %d crashes, %d torn writes, %d failed"
                        + " syncs, %d halts%n",
                seed,
                swarm.acknowledgedWrites(),
                crashes,
                torn,
                syncFailures,
                swarm.simulation().halts().size());
    }
}
