package io.raftkv.raft.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.sim.HashChainStateMachine;
import io.raftkv.raft.sim.InvariantViolation;
import io.raftkv.raft.sim.Ledger;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fault in a node's own code stops that node (DESIGN.md rule 6) and names where it was; a restart
 * recovers from the log, and no command is lost or applied twice. On the simulator a halted node
 * crashes, as a node process halts with exit 70.
 */
class FailStopTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final List<NodeId> NODES = List.of(NodeId.of(1), NodeId.of(2), NodeId.of(3));
    private static final int COMMANDS = 30;

    /** Plants a fault in the first replica {@link #faulty} starts: thrown by {@link #fault}. */
    private static final class PlantedFault {
        NodeId faulty;
        int commandsBeforeFault = 5;
        boolean inSnapshot;
        final Map<NodeId, Integer> starts = new HashMap<>();

        /** The hash chain of each node's latest replica. */
        final Map<NodeId, HashChainStateMachine> chains = new HashMap<>();

        Simulation simulation(long seed, HostOptions options) {
            return new Simulation(seed, options, this::stateMachine);
        }

        private StateMachine stateMachine(NodeId node, GroupId group, Ledger ledger) {
            HashChainStateMachine inner = new HashChainStateMachine(node, group, ledger, 0);
            chains.put(node, inner);
            boolean planted = starts.merge(node, 1, Integer::sum) == 1;
            return new StateMachine() {
                @Override
                public Object apply(long index, byte[] command) {
                    if (planted && !inSnapshot && node.equals(faulty)) {
                        Check.that(inner.count() < commandsBeforeFault, "planted fault");
                    }
                    return inner.apply(index, command);
                }

                @Override
                public byte[] snapshot() {
                    if (planted && inSnapshot && node.equals(faulty)) {
                        throw new OutOfMemoryError("planted");
                    }
                    return inner.snapshot();
                }

                @Override
                public void restore(byte[] snapshot) {
                    inner.restore(snapshot);
                }
            };
        }
    }

    @Test
    void aThrowingApplyHaltsTheNodeAndItsRestartAppliesEachCommandOnce() {
        PlantedFault fault = new PlantedFault();
        Simulation sim = cluster(fault, 41, HostOptions.defaults());
        sim.haltNodesOnFault();
        NodeId leader = awaitLeader(sim);
        fault.faulty = follower(leader);

        proposeCommands(sim, leader);
        assertThat(sim.runUntil(() -> !sim.halts().isEmpty(), 5_000)).as("halted").isTrue();

        assertThat(sim.halts())
                .singleElement()
                .asString()
                .matches(fault.faulty + " g1 applying index \\d+");
        assertThat(sim.node(fault.faulty).isUp()).as("the faulty node is down").isFalse();
        sim.start(fault.faulty);
        assertEveryReplicaAppliedEachCommandOnce(sim, fault);
    }

    @Test
    void anErrorWhileTakingASnapshotHaltsTheNodeAndNamesTheIndex() {
        PlantedFault fault = new PlantedFault();
        fault.inSnapshot = true;
        Simulation sim = cluster(fault, 42, HostOptions.defaults().withSnapshotEntries(10));
        sim.haltNodesOnFault();
        NodeId leader = awaitLeader(sim);
        fault.faulty = follower(leader);

        proposeCommands(sim, leader);
        assertThat(sim.runUntil(() -> !sim.halts().isEmpty(), 5_000)).as("halted").isTrue();

        assertThat(sim.halts())
                .singleElement()
                .asString()
                .matches(fault.faulty + " g1 taking a snapshot at index \\d+");
        sim.start(fault.faulty);
        assertEveryReplicaAppliedEachCommandOnce(sim, fault);
    }

    @Test
    void withoutHaltingAFaultFailsTheRunAndNamesWhereItHappened() {
        PlantedFault fault = new PlantedFault();
        Simulation sim = cluster(fault, 43, HostOptions.defaults());
        NodeId leader = awaitLeader(sim);
        fault.faulty = follower(leader);
        proposeCommands(sim, leader);

        assertThatThrownBy(() -> sim.runFor(5_000))
                .isInstanceOf(InvariantViolation.class)
                .hasMessageMatching(
                        "fail-stop at "
                                + fault.faulty
                                + " g1 applying index \\d+: IllegalStateException: planted fault")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    private static Simulation cluster(PlantedFault fault, long seed, HostOptions options) {
        Simulation sim = fault.simulation(seed, options);
        for (NodeId node : NODES) {
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(GROUP, new Membership(NODES));
        return sim;
    }

    private static NodeId awaitLeader(Simulation sim) {
        assertThat(sim.runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000)).isTrue();
        return sim.leaderOf(GROUP).orElseThrow();
    }

    private static NodeId follower(NodeId leader) {
        return NODES.stream().filter(node -> !node.equals(leader)).findFirst().orElseThrow();
    }

    private static void proposeCommands(Simulation sim, NodeId leader) {
        for (long value = 1; value <= COMMANDS; value++) {
            byte[] command = ByteBuffer.allocate(Long.BYTES).putLong(value).array();
            ProposeResult result = sim.node(leader).host().propose(GROUP, command, outcome -> {});
            assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        }
    }

    /**
     * Every replica reaches the same applied index, and its hash chain counts each command once.
     * The simulation's ledger checks on every event that equal indexes hold equal state.
     */
    private static void assertEveryReplicaAppliedEachCommandOnce(
            Simulation sim, PlantedFault fault) {
        assertThat(
                        sim.runUntil(
                                () ->
                                        NODES.stream()
                                                .allMatch(
                                                        node ->
                                                                fault.chains.get(node).count()
                                                                        == COMMANDS),
                                10_000))
                .as("every replica applied all %d commands", COMMANDS)
                .isTrue();
        long applied = sim.appliedIndex(NODES.getFirst(), GROUP);
        for (NodeId node : NODES) {
            assertThat(sim.appliedIndex(node, GROUP))
                    .as("%s applied index", node)
                    .isEqualTo(applied);
        }
    }
}
