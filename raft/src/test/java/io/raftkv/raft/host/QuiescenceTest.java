package io.raftkv.raft.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Idle groups go quiet, cost only node heartbeats, and wake when their leader's node dies. */
class QuiescenceTest {
    private static final int GROUPS = 50;
    private static final List<NodeId> NODES = List.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));

    private static Simulation cluster(long seed) {
        Simulation sim = Simulation.withHashChains(seed, HostOptions.defaults());
        for (NodeId node : NODES) {
            sim.addNode(node);
            sim.start(node);
        }
        for (int g = 1; g <= GROUPS; g++) {
            sim.addGroup(GroupId.of(g), new Membership(NODES));
        }
        return sim;
    }

    private static boolean allQuiesced(Simulation sim) {
        for (NodeId node : NODES) {
            GroupHost host = sim.node(node).host();
            for (GroupId group : host.groupIds()) {
                if (!host.isQuiesced(group)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Optional<NodeId> leaderOf(Simulation sim, GroupId group) {
        return sim.leaderOf(group);
    }

    @Test
    void idleGroupsQuiesceAndExchangeOnlyNodeHeartbeats() {
        Simulation sim = cluster(31);
        assertThat(sim.runUntil(() -> allQuiesced(sim), 10_000))
                .as("every replica quiesced")
                .isTrue();
        long requestsBefore = sim.network().requestsDeliveredTotal();
        sim.runFor(5_000);
        assertThat(sim.network().requestsDeliveredTotal() - requestsBefore)
                .as("Raft requests in 5 idle seconds across %d groups", GROUPS)
                .isZero();
        assertThat(allQuiesced(sim)).isTrue();
    }

    @Test
    void aProposalWakesItsGroupAndCommitsThenTheGroupQuiescesAgain() {
        Simulation sim = cluster(32);
        assertThat(sim.runUntil(() -> allQuiesced(sim), 10_000)).isTrue();
        GroupId group = GroupId.of(7);
        NodeId leader = leaderOf(sim, group).orElseThrow();
        byte[] command = ByteBuffer.allocate(8).putLong(77).array();
        ProposeResult result = sim.node(leader).host().propose(group, command, outcome -> {});
        long index = ((ProposeResult.Accepted) result).index();
        assertThat(
                        sim.runUntil(
                                () ->
                                        NODES.stream()
                                                .allMatch(n -> sim.appliedIndex(n, group) >= index),
                                2_000))
                .as("committed and applied on every replica")
                .isTrue();
        assertThat(sim.runUntil(() -> allQuiesced(sim), 2_000)).as("quiet again").isTrue();
    }

    @Test
    void followersOfACrashedLeaderNodeWakeAndElectNewLeaders() {
        Simulation sim = cluster(33);
        assertThat(sim.runUntil(() -> allQuiesced(sim), 10_000)).isTrue();
        NodeId victim = leaderOf(sim, GroupId.of(1)).orElseThrow();
        sim.crash(victim);
        boolean everyGroupLedElsewhere =
                sim.runUntil(
                        () -> {
                            for (int g = 1; g <= GROUPS; g++) {
                                Optional<NodeId> leader = leaderOf(sim, GroupId.of(g));
                                if (leader.isEmpty() || leader.get().equals(victim)) {
                                    return false;
                                }
                            }
                            return true;
                        },
                        5_000);
        assertThat(everyGroupLedElsewhere).as("new leaders within 5 s of the crash").isTrue();
    }

    /**
     * A quiesced leader that loses its followers' nodes steps down: the host wakes it, and
     * check-quorum then finds no quorum. Otherwise it would claim leadership until a proposal came,
     * and an operator (unsafe recovery) would be told the group is still led.
     */
    @Test
    void aQuiescedLeaderWhoseFollowersCrashStepsDown() {
        Simulation sim = cluster(34);
        assertThat(sim.runUntil(() -> allQuiesced(sim), 10_000)).isTrue();
        GroupId group = GroupId.of(1);
        NodeId leader = leaderOf(sim, group).orElseThrow();
        NODES.stream().filter(node -> !node.equals(leader)).forEach(sim::crash);
        GroupHost host = sim.node(leader).host();
        boolean leadsNone =
                sim.runUntil(
                        () ->
                                host.groupIds().stream()
                                        .map(host::status)
                                        .flatMap(Optional::stream)
                                        .noneMatch(status -> status.role() == Role.LEADER),
                        5_000);
        assertThat(leadsNone).as("%s leads no group 5 s after its peers crashed", leader).isTrue();
    }
}
