package io.raftkv.raft.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Lab 2A: leader election ({@code anchors/mit-6824-tests.md} section 3, 2A). */
class ElectionLabTest {
    private static final long SEED = 2_001;

    @Test
    void initialElection2A() {
        LabCluster cluster = new LabCluster(3, false, false, SEED);
        cluster.checkOneLeader();
        cluster.sim().runFor(50);
        long term1 = cluster.checkTerms();
        assertThat(term1).as("term after the initial election").isGreaterThanOrEqualTo(1);
        cluster.sim().runFor(2_000);
        long term2 = cluster.checkTerms();
        assertThat(term2).as("no election without failures").isEqualTo(term1);
        cluster.checkOneLeader();
        cluster.end();
    }

    @Test
    void reElection2A() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 1);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect(leader1);
        cluster.checkOneLeader();
        cluster.connect(leader1);
        int leader2 = cluster.checkOneLeader();
        cluster.disconnect(leader2);
        cluster.disconnect((leader2 + 1) % 3);
        cluster.sim().runFor(2_000);
        cluster.checkNoLeader();
        cluster.connect((leader2 + 1) % 3);
        cluster.checkOneLeader();
        cluster.connect(leader2);
        cluster.checkOneLeader();
        cluster.end();
    }

    @Test
    void manyElections2A() {
        LabCluster cluster = new LabCluster(7, false, false, SEED + 2);
        cluster.checkOneLeader();
        for (int iteration = 0; iteration < 9; iteration++) {
            int i1 = cluster.sim().random().nextInt(7);
            int i2 = cluster.sim().random().nextInt(7);
            int i3 = cluster.sim().random().nextInt(7);
            cluster.disconnect(i1);
            cluster.disconnect(i2);
            cluster.disconnect(i3);
            cluster.checkOneLeader();
            cluster.connect(i1);
            cluster.connect(i2);
            cluster.connect(i3);
        }
        cluster.checkOneLeader();
        cluster.end();
    }
}
