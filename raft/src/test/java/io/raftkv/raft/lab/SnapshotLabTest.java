package io.raftkv.raft.lab;

import static io.raftkv.raft.lab.LabCluster.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Lab 2D: snapshots ({@code anchors/mit-6824-tests.md} section 3, 2D). Every peer snapshots every
 * 10 applied entries, as the lab's applierSnap does; the hash-chain state machines and the ledger
 * check that a restored snapshot plus what is applied after it equals what other peers applied.
 */
class SnapshotLabTest {
    private static final long SEED = 2_300;

    /** The lab's MAXLOGSIZE: persisted Raft state, snapshot excluded, must stay below this. */
    private static final long LOG_SIZE_MAX_BYTES = 2_000;

    private static final int SNAPSHOT_INTERVAL = 10;

    @Test
    void snapshotBasic2D() {
        snapshotCommon(false, true, false, SEED);
    }

    @Test
    void snapshotInstall2D() {
        snapshotCommon(true, true, false, SEED + 1);
    }

    @Test
    void snapshotInstallUnreliable2D() {
        snapshotCommon(true, false, false, SEED + 2);
    }

    @Test
    void snapshotInstallCrash2D() {
        snapshotCommon(false, true, true, SEED + 3);
    }

    @Test
    void snapshotInstallUnCrash2D() {
        snapshotCommon(false, false, true, SEED + 4);
    }

    @Test
    void snapshotAllCrash2D() {
        LabCluster cluster = new LabCluster(3, false, true, SEED + 5);
        SplittableRandom random = new SplittableRandom(SEED + 5);
        cluster.one(command(random.nextLong()), 3, true);
        for (int iteration = 0; iteration < 5; iteration++) {
            // perhaps enough to get a snapshot
            int count = SNAPSHOT_INTERVAL / 2 + random.nextInt(SNAPSHOT_INTERVAL);
            for (int i = 0; i < count; i++) {
                cluster.one(command(random.nextLong()), 3, true);
            }
            long index1 = cluster.one(command(random.nextLong()), 3, true);
            crashAndRestartAll(cluster);
            long index2 = cluster.one(command(random.nextLong()), 3, true);
            assertThat(index2).as("index decreased from %d", index1).isGreaterThan(index1);
        }
        cluster.end();
    }

    /**
     * A restarted peer must load its snapshot, or it later persists its state without it and the
     * next restart loses the snapshot.
     */
    @Test
    void snapshotInit2D() {
        LabCluster cluster = new LabCluster(3, false, true, SEED + 6);
        SplittableRandom random = new SplittableRandom(SEED + 6);
        cluster.one(command(random.nextLong()), 3, true);
        // enough entries to make a snapshot
        for (int i = 0; i < SNAPSHOT_INTERVAL + 1; i++) {
            cluster.one(command(random.nextLong()), 3, true);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.hasSnapshot(i)).as("peer %d took a snapshot", i).isTrue();
        }
        crashAndRestartAll(cluster);
        // a single entry, to get something written back to persistent storage
        cluster.one(command(random.nextLong()), 3, true);
        crashAndRestartAll(cluster);
        cluster.one(command(random.nextLong()), 3, true);
        cluster.end();
    }

    /**
     * The lab's snapcommon: 30 rounds in which a victim is cut off or crashed while the leader
     * takes enough entries to snapshot past it, then rejoins and must catch up, maybe from a
     * snapshot. The persisted log must stay small throughout.
     */
    private static void snapshotCommon(
            boolean disconnect, boolean reliable, boolean crash, long seed) {
        LabCluster cluster = new LabCluster(3, !reliable, true, seed);
        SplittableRandom random = new SplittableRandom(seed);
        cluster.one(command(random.nextLong()), 3, true);
        int leader1 = cluster.checkOneLeader();
        for (int iteration = 0; iteration < 30; iteration++) {
            int victim = (leader1 + 1) % 3;
            int sender = leader1;
            if (iteration % 3 == 1) {
                sender = (leader1 + 1) % 3;
                victim = leader1;
            }
            if (disconnect) {
                cluster.disconnect(victim);
                cluster.one(command(random.nextLong()), 2, true);
            }
            if (crash) {
                cluster.crash(victim);
                cluster.one(command(random.nextLong()), 2, true);
            }
            // perhaps send enough to get a snapshot
            int count = SNAPSHOT_INTERVAL / 2 + random.nextInt(SNAPSHOT_INTERVAL);
            for (int i = 0; i < count; i++) {
                cluster.start(sender, command(random.nextLong()));
            }
            if (!disconnect && !crash) {
                // All followers catch up, so snapshotBasic2D needs no InstallSnapshot.
                cluster.one(command(random.nextLong()), 3, true);
            } else {
                cluster.one(command(random.nextLong()), 2, true);
            }
            assertThat(cluster.logSize()).as("log size").isLessThan(LOG_SIZE_MAX_BYTES);
            if (disconnect) {
                // The victim may be behind the leader's snapshot.
                cluster.connect(victim);
                cluster.one(command(random.nextLong()), 3, true);
                leader1 = cluster.checkOneLeader();
            }
            if (crash) {
                cluster.restart(victim);
                cluster.connect(victim);
                cluster.one(command(random.nextLong()), 3, true);
                leader1 = cluster.checkOneLeader();
            }
        }
        cluster.end();
    }

    private static void crashAndRestartAll(LabCluster cluster) {
        for (int i = 0; i < 3; i++) {
            cluster.crash(i);
        }
        for (int i = 0; i < 3; i++) {
            cluster.restart(i);
            cluster.connect(i);
        }
    }
}
