package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static io.raftkv.shardkv.kv.KvRaftLabTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lab's special kvraft tests: speed, one key under loss, one partition, snapshots. */
class KvRaftSpecialLabTest {
    private final List<Operation> history = new ArrayList<>();

    private KvGroupSim cluster(int servers, boolean unreliable, long maxRaftState, long seed) {
        return new KvGroupSim(
                servers, unreliable, maxRaftState, seed, HistoryAdapter.into(history));
    }

    private static String value(KvResult result) {
        return text(((KvResult.Value) result).value());
    }

    @Test
    void speed3A() {
        KvGroupSim cluster = cluster(3, false, -1, 3_100);
        KvGroupSim.Clerk clerk = cluster.clerk();
        clerk.run(new KvOp.Get(bytes("x")));
        long start = cluster.sim().nowMillis();
        for (int i = 0; i < 1_000; i++) {
            clerk.run(new KvOp.Append(bytes("x"), bytes("x 0 %d y".formatted(i))));
        }
        long elapsed = cluster.sim().nowMillis() - start;
        String value = value(clerk.run(new KvOp.Get(bytes("x"))));
        for (int i = 0; i < 1_000; i++) {
            assertThat(value).contains("x 0 %d y".formatted(i));
        }
        assertThat(elapsed)
                .as("1000 appends took %d ms of virtual time (limit 33 ms each)", elapsed)
                .isLessThanOrEqualTo(33_333);
    }

    @Test
    void speed3B() {
        KvGroupSim cluster = cluster(3, false, 1_000, 3_101);
        KvGroupSim.Clerk clerk = cluster.clerk();
        clerk.run(new KvOp.Get(bytes("x")));
        long start = cluster.sim().nowMillis();
        for (int i = 0; i < 1_000; i++) {
            clerk.run(new KvOp.Append(bytes("x"), bytes("x 0 %d y".formatted(i))));
        }
        assertThat(cluster.sim().nowMillis() - start).isLessThanOrEqualTo(33_333);
        assertThat(cluster.logSize()).isLessThanOrEqualTo(8 * 1_000);
    }

    @Test
    void unreliableOneKey3A() {
        KvGroupSim cluster = cluster(3, true, -1, 3_102);
        cluster.clerk().run(new KvOp.Put(bytes("k"), bytes("")));
        List<KvGroupSim.Clerk> clerks = new ArrayList<>();
        int[] done = new int[5];
        for (int me = 0; me < 5; me++) {
            clerks.add(cluster.clerk());
            appendChain(clerks.get(me), me, 0, done);
        }
        cluster.runUntil(
                () -> java.util.Arrays.stream(done).allMatch(count -> count == 10),
                120_000,
                "50 appends");
        String value = value(cluster.clerk().run(new KvOp.Get(bytes("k"))));
        for (int me = 0; me < 5; me++) {
            int lastOffset = -1;
            for (int n = 0; n < 10; n++) {
                String element = "x %d %d y".formatted(me, n);
                int offset = value.indexOf(element);
                assertThat(offset).as("missing %s", element).isGreaterThanOrEqualTo(0);
                assertThat(value.indexOf(element, offset + 1))
                        .as("duplicate %s", element)
                        .isEqualTo(-1);
                assertThat(offset).as("order of %s", element).isGreaterThan(lastOffset);
                lastOffset = offset;
            }
        }
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(30));
    }

    private static void appendChain(KvGroupSim.Clerk clerk, int me, int n, int[] done) {
        if (n == 10) {
            return;
        }
        clerk.submit(
                new KvOp.Append(bytes("k"), bytes("x %d %d y".formatted(me, n))),
                result -> {
                    done[me]++;
                    appendChain(clerk, me, n + 1, done);
                });
    }

    @Test
    void onePartition3A() {
        KvGroupSim cluster = cluster(5, false, -1, 3_103);
        KvGroupSim.Clerk everyone = cluster.clerk();
        everyone.run(new KvOp.Put(bytes("1"), bytes("13")));
        NodeId leader = leader(cluster).orElseThrow();
        List<NodeId> minority = new ArrayList<>(List.of(leader));
        List<NodeId> majority = new ArrayList<>();
        for (NodeId node : cluster.nodes()) {
            if (!node.equals(leader)) {
                (minority.size() < 2 ? minority : majority).add(node);
            }
        }
        cluster.sim().network().partition(List.of(majority, minority));
        KvGroupSim.Clerk inMajority = cluster.clerk(majority);
        inMajority.run(new KvOp.Put(bytes("1"), bytes("14")));
        assertThat(value(inMajority.run(new KvOp.Get(bytes("1"))))).isEqualTo("14");
        KvResult[] minorityPut = new KvResult[1];
        KvResult[] minorityGet = new KvResult[1];
        KvGroupSim.Clerk putter = cluster.clerk(minority);
        KvGroupSim.Clerk getter = cluster.clerk(minority);
        putter.submit(new KvOp.Put(bytes("1"), bytes("15")), result -> minorityPut[0] = result);
        getter.submit(new KvOp.Get(bytes("1")), result -> minorityGet[0] = result);
        cluster.sim().runFor(1_000);
        assertThat(minorityPut[0]).as("Put in minority completed").isNull();
        assertThat(minorityGet[0]).as("Get in minority completed").isNull();
        assertThat(value(inMajority.run(new KvOp.Get(bytes("1"))))).isEqualTo("14");
        inMajority.run(new KvOp.Put(bytes("1"), bytes("16")));
        assertThat(value(inMajority.run(new KvOp.Get(bytes("1"))))).isEqualTo("16");
        cluster.sim().network().heal();
        putter.reach(cluster.nodes());
        getter.reach(cluster.nodes());
        cluster.runUntil(() -> minorityPut[0] != null, 3_000, "the minority's Put after healing");
        assertThat(value(everyone.run(new KvOp.Get(bytes("1"))))).isEqualTo("15");
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(30));
    }

    @Test
    void snapshotRpc3B() {
        KvGroupSim cluster = cluster(3, false, 1_000, 3_104);
        List<NodeId> nodes = cluster.nodes();
        KvGroupSim.Clerk clerk = cluster.clerk();
        clerk.run(new KvOp.Put(bytes("a"), bytes("A")));
        cluster.sim()
                .network()
                .partition(List.of(List.of(nodes.get(0), nodes.get(1)), List.of(nodes.get(2))));
        KvGroupSim.Clerk first = cluster.clerk(List.of(nodes.get(0), nodes.get(1)));
        for (int i = 0; i < 50; i++) {
            first.run(new KvOp.Put(bytes(Integer.toString(i)), bytes(Integer.toString(i))));
        }
        cluster.sim().runFor(1_000);
        first.run(new KvOp.Put(bytes("b"), bytes("B")));
        assertThat(cluster.logSize())
                .as("the majority trims its log")
                .isLessThanOrEqualTo(8 * 1_000);
        cluster.sim()
                .network()
                .partition(List.of(List.of(nodes.get(0), nodes.get(2)), List.of(nodes.get(1))));
        KvGroupSim.Clerk second = cluster.clerk(List.of(nodes.get(0), nodes.get(2)));
        second.run(new KvOp.Put(bytes("c"), bytes("C")));
        second.run(new KvOp.Put(bytes("d"), bytes("D")));
        assertThat(value(second.run(new KvOp.Get(bytes("a"))))).isEqualTo("A");
        assertThat(value(second.run(new KvOp.Get(bytes("b"))))).isEqualTo("B");
        assertThat(value(second.run(new KvOp.Get(bytes("1"))))).isEqualTo("1");
        assertThat(value(second.run(new KvOp.Get(bytes("49"))))).isEqualTo("49");
        cluster.sim().network().heal();
        KvGroupSim.Clerk third = cluster.clerk();
        third.run(new KvOp.Put(bytes("e"), bytes("E")));
        assertThat(value(third.run(new KvOp.Get(bytes("c"))))).isEqualTo("C");
        assertThat(value(third.run(new KvOp.Get(bytes("e"))))).isEqualTo("E");
        assertThat(value(third.run(new KvOp.Get(bytes("1"))))).isEqualTo("1");
    }

    @Test
    void snapshotSize3B() {
        KvGroupSim cluster = cluster(3, false, 1_000, 3_105);
        KvGroupSim.Clerk clerk = cluster.clerk();
        for (int i = 0; i < 200; i++) {
            clerk.run(new KvOp.Put(bytes("x"), bytes("0")));
            assertThat(value(clerk.run(new KvOp.Get(bytes("x"))))).isEqualTo("0");
            clerk.run(new KvOp.Put(bytes("x"), bytes("1")));
            assertThat(value(clerk.run(new KvOp.Get(bytes("x"))))).isEqualTo("1");
        }
        assertThat(cluster.logSize()).isLessThanOrEqualTo(8_000);
        assertThat(cluster.snapshotSize())
                .as("the snapshot holds the data and sessions only")
                .isLessThanOrEqualTo(500);
    }

    private static Optional<NodeId> leader(KvGroupSim cluster) {
        return cluster.sim().leaderOf(KvGroupSim.GROUP);
    }
}
