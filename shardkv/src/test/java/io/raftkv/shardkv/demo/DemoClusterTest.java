package io.raftkv.shardkv.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The demo's embedded cluster on real threads: groups elect, serve, and survive isolation. */
class DemoClusterTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void everyGroupElectsALeaderAndAppliesWritesAndReads() {
        try (DemoCluster cluster = new DemoCluster(3, 2, 7)) {
            List<GroupStatus> status =
                    awaitStatus(
                            cluster,
                            groups ->
                                    groups.stream()
                                            .allMatch(
                                                    g ->
                                                            g.leader().isPresent()
                                                                    && g.writes() > 100
                                                                    && g.reads() > 10));
            for (GroupStatus group : status) {
                assertThat(group.counter()).as("counter of %s", group.group()).isPositive();
                assertThat(group.appliedIndex()).isLessThanOrEqualTo(group.commitIndex());
            }
        }
    }

    @Test
    void isolatingALeaderMovesLeadershipAndWritesContinue() {
        try (DemoCluster cluster = new DemoCluster(3, 1, 11)) {
            GroupStatus before =
                    awaitStatus(cluster, groups -> groups.getFirst().leader().isPresent())
                            .getFirst();
            NodeId oldLeader = before.leader().orElseThrow();
            cluster.isolate(oldLeader);
            GroupStatus after =
                    awaitStatus(
                                    cluster,
                                    groups ->
                                            groups.getFirst()
                                                            .leader()
                                                            .filter(
                                                                    leader ->
                                                                            !leader.equals(
                                                                                    oldLeader))
                                                            .isPresent()
                                                    && groups.getFirst().writes()
                                                            > before.writes() + 100)
                            .getFirst();
            assertThat(after.term()).isGreaterThan(before.term());
        }
    }

    /** Polls the cluster's status until {@code condition} holds; fails after {@link #PATIENCE}. */
    private static List<GroupStatus> awaitStatus(
            DemoCluster cluster, Predicate<List<GroupStatus>> condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        List<GroupStatus> status = cluster.status();
        while (!condition.test(status)) {
            assertThat(System.nanoTime())
                    .as("waited %s for %s", PATIENCE, status)
                    .isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            status = cluster.status();
        }
        return status;
    }
}
