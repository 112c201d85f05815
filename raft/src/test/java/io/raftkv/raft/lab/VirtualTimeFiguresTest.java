package io.raftkv.raft.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.core.ProposeResult;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * How long elections and commits take in virtual time over many seeds (10 ms ticks), checked
 * against the lab's bounds and printed for the notes: an initial election within 5 s, and a command
 * committed on all three peers within the 2 s one() allows.
 */
class VirtualTimeFiguresTest {
    private static final int SEEDS = 200;

    @Test
    void electionsAndCommitsStayWellInsideTheLabsBounds() {
        long[] elections = new long[SEEDS];
        long[] commits = new long[SEEDS];
        for (int seed = 0; seed < SEEDS; seed++) {
            LabCluster cluster = new LabCluster(3, false, false, 9_000 + seed);
            long start = cluster.sim().nowMillis();
            boolean elected = cluster.sim().runUntil(() -> leader(cluster) >= 0, 5_000);
            assertThat(elected).as("seed %d elected a leader within 5 s", 9_000 + seed).isTrue();
            elections[seed] = cluster.sim().nowMillis() - start;
            cluster.sim()
                    .runUntil(
                            () ->
                                    cluster.nCommitted(1) == 3
                                            || cluster.committedCommand(1).isEmpty()
                                                    && allApplied(cluster, 1),
                            2_000);
            long proposedAt = cluster.sim().nowMillis();
            ProposeResult result = cluster.start(leader(cluster), LabCluster.command(seed));
            long index = ((ProposeResult.Accepted) result).index();
            assertThat(cluster.sim().runUntil(() -> cluster.nCommitted(index) == 3, 2_000))
                    .as("seed %d committed", seed)
                    .isTrue();
            commits[seed] = cluster.sim().nowMillis() - proposedAt;
        }
        Arrays.sort(elections);
        Arrays.sort(commits);
        System.out.printf(
                "virtual time over %d seeds: first election p50 %d ms, p99 %d ms, max %d ms;"
                        + " commit on all 3 peers p50 %d ms, p99 %d ms, max %d ms%n",
                SEEDS,
                elections[SEEDS / 2],
                elections[SEEDS * 99 / 100],
                elections[SEEDS - 1],
                commits[SEEDS / 2],
                commits[SEEDS * 99 / 100],
                commits[SEEDS - 1]);
    }

    private static int leader(LabCluster cluster) {
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.isLeader(i)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean allApplied(LabCluster cluster, long index) {
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.sim().appliedIndex(LabCluster.node(i), LabCluster.GROUP) < index) {
                return false;
            }
        }
        return true;
    }
}
