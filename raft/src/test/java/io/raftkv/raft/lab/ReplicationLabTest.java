package io.raftkv.raft.lab;

import static io.raftkv.raft.lab.LabCluster.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.core.ProposeResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Lab 2B: log replication ({@code anchors/mit-6824-tests.md} section 3, 2B). */
class ReplicationLabTest {
    private static final long SEED = 2_100;

    @Test
    void basicAgree2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED);
        for (int index = 1; index <= 3; index++) {
            // NB: our leaders commit a no-op first (section 5.4.2), so indexes are shifted by one.
            assertThat(cluster.nCommitted(index + 1)).as("committed before Start()").isZero();
            long xindex = cluster.one(command(index * 100L), 3, false);
            assertThat(xindex).isEqualTo(index + 1);
        }
        cluster.end();
    }

    @Test
    void rpcBytes2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 1);
        cluster.one(command(99), 3, false);
        long bytes0 = cluster.bytesTotal();
        long sent = 0;
        SplittableRandom random = new SplittableRandom(SEED);
        for (int index = 2; index < 12; index++) {
            byte[] payload = new byte[5000];
            random.nextBytes(payload);
            cluster.one(payload, 3, false);
            sent += payload.length;
        }
        long bytes1 = cluster.bytesTotal();
        assertThat(bytes1 - bytes0)
                .as("bytes sent for %d bytes of commands", sent)
                .isLessThanOrEqualTo(3 * sent + 50_000);
        cluster.end();
    }

    @Test
    void followerFailure2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 2);
        cluster.one(command(101), 3, false);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect((leader1 + 1) % 3);
        cluster.one(command(102), 2, false);
        cluster.sim().runFor(1_000);
        cluster.one(command(103), 2, false);
        int leader2 = cluster.checkOneLeader();
        cluster.disconnect((leader2 + 1) % 3);
        cluster.disconnect((leader2 + 2) % 3);
        ProposeResult result = cluster.start(leader2, command(104));
        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        long index = ((ProposeResult.Accepted) result).index();
        cluster.sim().runFor(2_000);
        assertThat(cluster.nCommitted(index)).as("committed without a majority").isZero();
        cluster.end();
    }

    @Test
    void leaderFailure2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 3);
        cluster.one(command(101), 3, false);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect(leader1);
        cluster.one(command(102), 2, false);
        cluster.sim().runFor(1_000);
        cluster.one(command(103), 2, false);
        int leader2 = cluster.checkOneLeader();
        cluster.disconnect(leader2);
        long lastIndex = 0;
        for (int i = 0; i < 3; i++) {
            if (cluster.start(i, command(104)) instanceof ProposeResult.Accepted accepted) {
                lastIndex = Math.max(lastIndex, accepted.index());
            }
        }
        cluster.sim().runFor(2_000);
        for (long index = 1; index <= lastIndex; index++) {
            cluster.committedCommand(index)
                    .ifPresent(
                            committed ->
                                    assertThat(committed)
                                            .as("104 committed without a majority")
                                            .isNotEqualTo(command(104)));
        }
        cluster.end();
    }

    @Test
    void failAgree2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 4);
        cluster.one(command(101), 3, false);
        int leader = cluster.checkOneLeader();
        cluster.disconnect((leader + 1) % 3);
        cluster.one(command(102), 2, false);
        cluster.one(command(103), 2, false);
        cluster.sim().runFor(1_000);
        cluster.one(command(104), 2, false);
        cluster.one(command(105), 2, false);
        cluster.connect((leader + 1) % 3);
        cluster.one(command(106), 3, true);
        cluster.sim().runFor(1_000);
        cluster.one(command(107), 3, true);
        cluster.end();
    }

    @Test
    void failNoAgree2B() {
        LabCluster cluster = new LabCluster(5, false, false, SEED + 5);
        cluster.one(command(10), 5, false);
        int leader = cluster.checkOneLeader();
        cluster.disconnect((leader + 1) % 5);
        cluster.disconnect((leader + 2) % 5);
        cluster.disconnect((leader + 3) % 5);
        ProposeResult result = cluster.start(leader, command(20));
        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        long index = ((ProposeResult.Accepted) result).index();
        assertThat(index).as("index after one no-op and one command").isEqualTo(3);
        cluster.sim().runFor(2_000);
        assertThat(cluster.nCommitted(index)).as("committed without a majority").isZero();
        cluster.connect((leader + 1) % 5);
        cluster.connect((leader + 2) % 5);
        cluster.connect((leader + 3) % 5);
        int leader2 = cluster.checkOneLeader();
        ProposeResult result2 = cluster.start(leader2, command(30));
        assertThat(result2).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(((ProposeResult.Accepted) result2).index()).isBetween(3L, 5L);
        cluster.one(command(1000), 5, true);
        cluster.end();
    }

    @Test
    void concurrentStarts2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 6);
        boolean success = false;
        for (int attempt = 0; attempt < 5 && !success; attempt++) {
            if (attempt > 0) {
                cluster.sim().runFor(3_000);
            }
            int leader = cluster.checkOneLeader();
            if (!(cluster.start(leader, command(1)) instanceof ProposeResult.Accepted first)) {
                continue;
            }
            long term = first.term();
            List<Long> indexes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                if (cluster.start(leader, command(100 + i))
                                instanceof ProposeResult.Accepted accepted
                        && accepted.term() == term) {
                    indexes.add(accepted.index());
                }
            }
            List<Long> committed = new ArrayList<>();
            boolean termChanged = false;
            for (long index : indexes) {
                if (cluster.waitCommitted(index, 3, term) == -1) {
                    termChanged = true;
                    break;
                }
                committed.add(
                        java.nio.ByteBuffer.wrap(cluster.committedCommand(index).orElseThrow())
                                .getLong());
            }
            if (termChanged) {
                continue;
            }
            for (int i = 0; i < 5; i++) {
                assertThat(committed).contains(100L + i);
            }
            success = true;
        }
        assertThat(success).as("term changed too often").isTrue();
        cluster.end();
    }

    @Test
    void rejoin2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 7);
        cluster.one(command(101), 3, true);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect(leader1);
        cluster.start(leader1, command(102));
        cluster.start(leader1, command(103));
        cluster.start(leader1, command(104));
        cluster.one(command(103), 2, true);
        int leader2 = cluster.checkOneLeader();
        cluster.disconnect(leader2);
        cluster.connect(leader1);
        cluster.one(command(104), 2, true);
        cluster.connect(leader2);
        cluster.one(command(105), 3, true);
        cluster.end();
    }

    @Test
    void backup2B() {
        LabCluster cluster = new LabCluster(5, false, false, SEED + 8);
        SplittableRandom random = new SplittableRandom(SEED + 8);
        cluster.one(command(random.nextLong()), 5, true);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect((leader1 + 2) % 5);
        cluster.disconnect((leader1 + 3) % 5);
        cluster.disconnect((leader1 + 4) % 5);
        for (int i = 0; i < 50; i++) {
            cluster.start(leader1, command(random.nextLong()));
        }
        cluster.sim().runFor(500);
        cluster.disconnect((leader1 + 0) % 5);
        cluster.disconnect((leader1 + 1) % 5);
        cluster.connect((leader1 + 2) % 5);
        cluster.connect((leader1 + 3) % 5);
        cluster.connect((leader1 + 4) % 5);
        for (int i = 0; i < 50; i++) {
            cluster.one(command(random.nextLong()), 3, true);
        }
        int leader2 = cluster.checkOneLeader();
        int other = (leader1 + 2) % 5;
        if (leader2 == other) {
            other = (leader2 + 1) % 5;
        }
        cluster.disconnect(other);
        for (int i = 0; i < 50; i++) {
            cluster.start(leader2, command(random.nextLong()));
        }
        cluster.sim().runFor(500);
        for (int i = 0; i < 5; i++) {
            cluster.disconnect(i);
        }
        cluster.connect((leader1 + 0) % 5);
        cluster.connect((leader1 + 1) % 5);
        cluster.connect(other);
        for (int i = 0; i < 50; i++) {
            cluster.one(command(random.nextLong()), 3, true);
        }
        for (int i = 0; i < 5; i++) {
            cluster.connect(i);
        }
        cluster.one(command(random.nextLong()), 5, true);
        cluster.end();
    }

    @Test
    void count2B() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 9);
        int leader = cluster.checkOneLeader();
        long total1 = cluster.rpcTotal();
        assertThat(total1).as("RPCs to elect the initial leader").isBetween(1L, 30L);
        boolean success = false;
        long total2 = 0;
        for (int attempt = 0; attempt < 5 && !success; attempt++) {
            if (attempt > 0) {
                cluster.sim().runFor(3_000);
            }
            leader = cluster.checkOneLeader();
            total1 = cluster.rpcTotal();
            if (!(cluster.start(leader, command(1)) instanceof ProposeResult.Accepted first)) {
                continue;
            }
            List<byte[]> commands = new ArrayList<>();
            boolean failed = false;
            for (int i = 1; i < 12; i++) {
                byte[] next = command(1_000 + i);
                commands.add(next);
                if (!(cluster.start(leader, next) instanceof ProposeResult.Accepted accepted)
                        || accepted.term() != first.term()) {
                    failed = true;
                    break;
                }
                assertThat(accepted.index()).as("Start() index").isEqualTo(first.index() + i);
            }
            if (failed) {
                continue;
            }
            for (int i = 1; i < 12; i++) {
                long index = first.index() + i;
                if (cluster.waitCommitted(index, 3, first.term()) == -1) {
                    failed = true;
                    break;
                }
                assertThat(
                                Arrays.equals(
                                        cluster.committedCommand(index).orElseThrow(),
                                        commands.get(i - 1)))
                        .as("wrong value committed at %d", index)
                        .isTrue();
            }
            if (failed || cluster.term(leader) != first.term()) {
                continue;
            }
            total2 = cluster.rpcTotal();
            assertThat(total2 - total1)
                    .as("RPCs for 12 agreements")
                    .isLessThanOrEqualTo((12 + 1 + 3) * 3);
            success = true;
        }
        assertThat(success).as("term changed too often").isTrue();
        cluster.sim().runFor(1_000);
        long total3 = cluster.rpcTotal();
        assertThat(total3 - total2).as("RPCs in 1 second of idleness").isLessThanOrEqualTo(3 * 20);
        cluster.end();
    }
}
