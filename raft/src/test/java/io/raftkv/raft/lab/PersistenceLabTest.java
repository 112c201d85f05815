package io.raftkv.raft.lab;

import static io.raftkv.raft.lab.LabCluster.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.raft.core.ProposeResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Lab 2C: persistence ({@code anchors/mit-6824-tests.md} section 3, 2C). A crash is the lab's
 * crash1, a restart its start1; restarted peers are connected explicitly, as in the lab. The lab's
 * goroutines (unreliableAgree's one() calls, the churn clients) are event chains on virtual time,
 * interleaved with the test's own calls.
 */
class PersistenceLabTest {
    private static final long SEED = 2_200;

    /**
     * Figure 8 and the churn tests crash peers on a disk that may tear the write in flight, which
     * the lab's persister never does: a harsher fault, never a weaker check.
     */
    private static final double TORN_WRITE_RATE = 0.5;

    @Test
    void persist12C() {
        LabCluster cluster = new LabCluster(3, false, false, SEED);
        cluster.one(command(11), 3, true);
        for (int i = 0; i < 3; i++) {
            cluster.restart(i);
        }
        for (int i = 0; i < 3; i++) {
            cluster.disconnect(i);
            cluster.connect(i);
        }
        cluster.one(command(12), 3, true);
        int leader1 = cluster.checkOneLeader();
        cluster.disconnect(leader1);
        cluster.restart(leader1);
        cluster.connect(leader1);
        cluster.one(command(13), 3, true);
        int leader2 = cluster.checkOneLeader();
        cluster.disconnect(leader2);
        long index14 = cluster.one(command(14), 2, true);
        cluster.restart(leader2);
        cluster.connect(leader2);
        // Wait for leader2 to join before killing i3 (the lab's wait(4, servers, -1)).
        cluster.waitCommitted(index14, 3, -1);
        int i3 = (cluster.checkOneLeader() + 1) % 3;
        cluster.disconnect(i3);
        cluster.one(command(15), 2, true);
        cluster.restart(i3);
        cluster.connect(i3);
        cluster.one(command(16), 3, true);
        cluster.end();
    }

    @Test
    void persist22C() {
        LabCluster cluster = new LabCluster(5, false, false, SEED + 1);
        int index = 1;
        for (int iteration = 0; iteration < 5; iteration++) {
            cluster.one(command(10 + index++), 5, true);
            int leader1 = cluster.checkOneLeader();
            cluster.disconnect((leader1 + 1) % 5);
            cluster.disconnect((leader1 + 2) % 5);
            cluster.one(command(10 + index++), 3, true);
            cluster.disconnect((leader1 + 0) % 5);
            cluster.disconnect((leader1 + 3) % 5);
            cluster.disconnect((leader1 + 4) % 5);
            cluster.restart((leader1 + 1) % 5);
            cluster.restart((leader1 + 2) % 5);
            cluster.connect((leader1 + 1) % 5);
            cluster.connect((leader1 + 2) % 5);
            cluster.sim().runFor(1_000);
            cluster.restart((leader1 + 3) % 5);
            cluster.connect((leader1 + 3) % 5);
            // Only the restarted peers can agree: they must have kept term, vote and log.
            cluster.one(command(10 + index++), 3, true);
            cluster.connect((leader1 + 4) % 5);
            cluster.connect((leader1 + 0) % 5);
        }
        cluster.one(command(1000), 5, true);
        cluster.end();
    }

    @Test
    void persist32C() {
        LabCluster cluster = new LabCluster(3, false, false, SEED + 2);
        cluster.one(command(101), 3, true);
        int leader = cluster.checkOneLeader();
        cluster.disconnect((leader + 2) % 3);
        cluster.one(command(102), 2, true);
        cluster.crash((leader + 0) % 3);
        cluster.crash((leader + 1) % 3);
        cluster.connect((leader + 2) % 3);
        cluster.restart((leader + 0) % 3);
        cluster.connect((leader + 0) % 3);
        cluster.one(command(103), 2, true);
        cluster.restart((leader + 1) % 3);
        cluster.connect((leader + 1) % 3);
        cluster.one(command(104), 3, true);
        cluster.end();
    }

    /** Figure 8 of the Raft paper, over and over: leaders crash right after appending. */
    @Test
    void figure82C() {
        LabCluster cluster = new LabCluster(5, false, false, SEED + 3);
        SplittableRandom random = new SplittableRandom(SEED + 3);
        cluster.one(command(random.nextLong()), 1, true);
        int up = 5;
        for (int iteration = 0; iteration < 1000; iteration++) {
            int leader = -1;
            for (int i = 0; i < 5; i++) {
                if (cluster.isUp(i)
                        && cluster.start(i, command(random.nextLong()))
                                instanceof ProposeResult.Accepted) {
                    leader = i;
                }
            }
            sleepAsFigure8Does(cluster, random);
            if (leader != -1) {
                cluster.crash(leader, TORN_WRITE_RATE);
                up--;
            }
            if (up < 3) {
                int revived = random.nextInt(5);
                if (!cluster.isUp(revived)) {
                    cluster.restart(revived);
                    cluster.connect(revived);
                    up++;
                }
            }
        }
        for (int i = 0; i < 5; i++) {
            if (!cluster.isUp(i)) {
                cluster.restart(i);
                cluster.connect(i);
            }
        }
        cluster.one(command(random.nextLong()), 5, true);
        cluster.end();
    }

    @Test
    void unreliableAgree2C() {
        LabCluster cluster = new LabCluster(5, true, false, SEED + 4);
        List<LabCluster.Agreement> background = new ArrayList<>();
        for (int iteration = 1; iteration < 50; iteration++) {
            for (int j = 0; j < 4; j++) {
                background.add(cluster.oneInBackground(command(100L * iteration + j), 1, true));
            }
            cluster.one(command(iteration), 1, true);
        }
        cluster.setUnreliable(false);
        cluster.awaitAll(background);
        cluster.one(command(100), 5, true);
        cluster.end();
    }

    /** Figure 8 on an unreliable network with long reordering; leaders are cut off, not crashed. */
    @Test
    void figure8Unreliable2C() {
        LabCluster cluster = new LabCluster(5, true, false, SEED + 5);
        SplittableRandom random = new SplittableRandom(SEED + 5);
        cluster.one(command(random.nextInt(10_000)), 1, true);
        int up = 5;
        for (int iteration = 0; iteration < 1000; iteration++) {
            if (iteration == 200) {
                cluster.setLongReordering(true);
            }
            int leader = -1;
            for (int i = 0; i < 5; i++) {
                boolean accepted =
                        cluster.start(i, command(random.nextInt(10_000)))
                                instanceof ProposeResult.Accepted;
                if (accepted && cluster.connected(i)) {
                    leader = i;
                }
            }
            sleepAsFigure8Does(cluster, random);
            if (leader != -1 && random.nextInt(1000) < 500) {
                cluster.disconnect(leader);
                up--;
            }
            if (up < 3) {
                int revived = random.nextInt(5);
                if (!cluster.connected(revived)) {
                    cluster.connect(revived);
                    up++;
                }
            }
        }
        for (int i = 0; i < 5; i++) {
            cluster.connect(i);
        }
        cluster.one(command(random.nextInt(10_000)), 5, true);
        cluster.end();
    }

    @Test
    void reliableChurn2C() {
        internalChurn(false, SEED + 6);
    }

    @Test
    void unreliableChurn2C() {
        internalChurn(true, SEED + 7);
    }

    /** Figure 8's pause: 0-499 ms one time in ten, else 0-12 ms. */
    private static void sleepAsFigure8Does(LabCluster cluster, SplittableRandom random) {
        if (random.nextInt(1000) < 100) {
            cluster.sim().runFor(random.nextInt(500));
        } else {
            cluster.sim().runFor(random.nextInt(13));
        }
    }

    /**
     * Three clients propose to every live peer while peers are cut off, crashed and restarted;
     * every value a client saw committed must be in the final log.
     */
    private static void internalChurn(boolean unreliable, long seed) {
        LabCluster cluster = new LabCluster(5, unreliable, false, seed);
        SplittableRandom random = new SplittableRandom(seed);
        List<ChurnClient> clients = new ArrayList<>();
        for (int me = 0; me < 3; me++) {
            ChurnClient client = new ChurnClient(cluster, me, random.split());
            clients.add(client);
            cluster.after(0, client::propose);
        }
        for (int iteration = 0; iteration < 20; iteration++) {
            churnOnce(cluster, random);
            cluster.sim().runFor(700);
        }
        cluster.sim().runFor(1_000);
        cluster.setUnreliable(false);
        for (int i = 0; i < 5; i++) {
            if (!cluster.isUp(i)) {
                cluster.restart(i);
            }
            cluster.connect(i);
        }
        clients.forEach(ChurnClient::stop);
        boolean stopped =
                cluster.sim()
                        .runUntil(() -> clients.stream().allMatch(ChurnClient::stopped), 10_000);
        assertThat(stopped).as("client failed").isTrue();
        List<Long> values = new ArrayList<>();
        clients.forEach(client -> values.addAll(client.committed()));
        cluster.sim().runFor(1_000);
        long lastIndex = cluster.one(command(random.nextLong()), 5, true);
        cluster.waitCommitted(lastIndex, 5, -1);
        List<Long> really = new ArrayList<>();
        for (long index = 1; index <= lastIndex; index++) {
            // No replica applied a command at a leader's no-op index; all 5 applied lastIndex.
            cluster.committedCommand(index)
                    .ifPresent(
                            committed -> {
                                assertThat(committed).as("not an int").hasSize(8);
                                really.add(ByteBuffer.wrap(committed).getLong());
                            });
        }
        assertThat(values).as("values clients saw committed").isNotEmpty();
        assertThat(really).as("the final log").containsAll(values);
        cluster.end();
    }

    private static void churnOnce(LabCluster cluster, SplittableRandom random) {
        if (random.nextInt(1000) < 200) {
            cluster.disconnect(random.nextInt(5));
        }
        if (random.nextInt(1000) < 500) {
            int i = random.nextInt(5);
            if (!cluster.isUp(i)) {
                cluster.restart(i);
            }
            cluster.connect(i);
        }
        if (random.nextInt(1000) < 200) {
            int i = random.nextInt(5);
            if (cluster.isUp(i)) {
                cluster.crash(i, TORN_WRITE_RATE);
            }
        }
    }

    /**
     * A churn client (the lab's cfn): Start(x) on every live peer; if one accepted, look at the
     * index after 0, 10, 30, 80 and 180 ms (giving up at 380 ms) and remember x if it was committed
     * there; else pause 79 + 17 me ms. Runs on virtual time until stopped.
     */
    private static final class ChurnClient {
        private static final long[] POLL_PAUSES_MILLIS = {10, 20, 50, 100, 200};

        private final LabCluster cluster;
        private final int me;
        private final SplittableRandom random;
        private final List<Long> committed = new ArrayList<>();
        private boolean stopRequested;
        private boolean stopped;

        ChurnClient(LabCluster cluster, int me, SplittableRandom random) {
            this.cluster = cluster;
            this.me = me;
            this.random = random;
        }

        void stop() {
            stopRequested = true;
        }

        boolean stopped() {
            return stopped;
        }

        List<Long> committed() {
            return committed;
        }

        void propose() {
            if (stopRequested) {
                stopped = true;
                return;
            }
            long value = random.nextLong();
            long index = -1;
            for (int i = 0; i < cluster.size(); i++) {
                if (cluster.start(i, command(value)) instanceof ProposeResult.Accepted accepted) {
                    index = accepted.index();
                }
            }
            if (index == -1) {
                cluster.after(79 + me * 17L, this::propose);
            } else {
                poll(value, index, 0);
            }
        }

        private void poll(long value, long index, int polls) {
            if (polls == POLL_PAUSES_MILLIS.length) {
                cluster.after(0, this::propose); // gave up on this value
                return;
            }
            if (cluster.nCommitted(index) > 0) {
                if (Arrays.equals(cluster.committedCommand(index).orElseThrow(), command(value))) {
                    committed.add(value);
                }
                cluster.after(0, this::propose);
                return;
            }
            cluster.after(POLL_PAUSES_MILLIS[polls], () -> poll(value, index, polls + 1));
        }
    }
}
