package io.raftkv.raft.swarm;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.sim.HashChainStateMachine;
import io.raftkv.raft.sim.InvariantViolation;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a {@link RaftSwarm} run must reach once its faults have stopped (and its membership changes
 * have settled), judged against each group's membership as it is then, not as it was founded.
 */
final class SwarmChecks {
    /** A write a client was told is applied at {@code index}. */
    record Acked(GroupId group, long index, byte[] command) {}

    private final long seed;
    private final Simulation sim;
    private final List<NodeId> nodes;
    private final List<GroupId> groups;
    private final Function<GroupId, Membership> membership;

    SwarmChecks(
            long seed,
            Simulation sim,
            List<NodeId> nodes,
            List<GroupId> groups,
            Function<GroupId, Membership> membership) {
        this.seed = seed;
        this.sim = sim;
        this.nodes = nodes;
        this.groups = groups;
        this.membership = membership;
    }

    /**
     * Every group converges on all its members, which then hold identical state; only members host
     * or store a group; and every acknowledged write is in the log where it was acknowledged.
     */
    void checkAll(List<Acked> acked, Map<GroupId, Long> ackedPerGroup) {
        checkConvergence();
        checkMembersIdentical(ackedPerGroup);
        checkNoReplicaOutsideMembership();
        checkAcknowledgedWrites(acked);
    }

    /**
     * After healing, every group commits one more write on every member within 30 s. Like a client,
     * the check re-proposes when its proposal's fate is unknown (its leader was deposed).
     */
    private void checkConvergence() {
        for (GroupId group : groups) {
            long deadline = sim.nowMillis() + 30_000;
            long[] appliedAt = {-1};
            boolean[] inFlight = {false};
            long attempt = 0;
            while (!converged(group, appliedAt[0]) && sim.nowMillis() < deadline) {
                Optional<NodeId> leader = sim.leaderOf(group);
                if (!inFlight[0] && appliedAt[0] < 0 && leader.isPresent()) {
                    byte[] marker =
                            ByteBuffer.allocate(24)
                                    .putLong(-seed)
                                    .putLong(group.value())
                                    .putLong(++attempt)
                                    .array();
                    inFlight[0] =
                            sim.node(leader.get())
                                            .host()
                                            .propose(
                                                    group,
                                                    marker,
                                                    outcome -> {
                                                        inFlight[0] = false;
                                                        if (outcome
                                                                instanceof
                                                                ProposalOutcome.Applied applied) {
                                                            appliedAt[0] = applied.index();
                                                        }
                                                    })
                                    instanceof ProposeResult.Accepted;
                }
                sim.runFor(20);
            }
            if (!converged(group, appliedAt[0])) {
                throw new AssertionError(
                        "%s did not converge after the faults stopped (marker applied at %d): %s"
                                .formatted(group, appliedAt[0], describe(group)));
            }
        }
    }

    private boolean converged(GroupId group, long markerIndex) {
        return markerIndex > 0 && allApplied(group, markerIndex);
    }

    /** The status of every node that hosts or should host the group. */
    String describe(GroupId group) {
        TreeSet<NodeId> involved = new TreeSet<>(membership.apply(group).members());
        involved.addAll(sim.replicaNodes(group));
        StringBuilder text = new StringBuilder();
        for (NodeId node : involved) {
            String noStatus = sim.node(node).isUp() ? node + " has no replica" : node + " down";
            text.append("\n  ")
                    .append(sim.status(node, group).map(Object::toString).orElse(noStatus));
        }
        return text.toString();
    }

    private boolean allApplied(GroupId group, long index) {
        return membership.apply(group).members().stream()
                .allMatch(node -> sim.appliedIndex(node, group) >= index);
    }

    /**
     * Once converged, the members of each group reach one applied index and there hold the same
     * state (hash chain and command count) and the same membership, and each holds at least the
     * writes acknowledged to clients. NB: they get time to agree on the state as well as on the
     * index, since a replica's applied index jumps to a received snapshot's with its last chunk,
     * one storage round before its host restores the state machine from it.
     */
    private void checkMembersIdentical(Map<GroupId, Long> ackedPerGroup) {
        for (GroupId group : groups) {
            List<NodeId> groupMembers = membership.apply(group).members();
            sim.runUntil(() -> identical(group, groupMembers), 10_000);
            NodeId first = groupMembers.getFirst();
            for (NodeId node : groupMembers) {
                if (sim.appliedIndex(node, group) != sim.appliedIndex(first, group)) {
                    throw new AssertionError(
                            "%s: members did not reach one applied index: %s"
                                    .formatted(group, describe(group)));
                }
            }
            checkSameState(group, groupMembers, ackedPerGroup.getOrDefault(group, 0L));
        }
    }

    private boolean identical(GroupId group, List<NodeId> groupMembers) {
        NodeId first = groupMembers.getFirst();
        HashChainStateMachine firstChain = chain(first, group);
        return groupMembers.stream()
                .allMatch(
                        node ->
                                sim.appliedIndex(node, group) == sim.appliedIndex(first, group)
                                        && chain(node, group).stateHash() == firstChain.stateHash()
                                        && chain(node, group).count() == firstChain.count());
    }

    private void checkSameState(GroupId group, List<NodeId> groupMembers, long acknowledged) {
        NodeId first = groupMembers.getFirst();
        for (NodeId node : groupMembers) {
            HashChainStateMachine chain = chain(node, group);
            HashChainStateMachine firstChain = chain(first, group);
            Membership seen = sim.status(node, group).orElseThrow().membership();
            if (chain.stateHash() != firstChain.stateHash()
                    || chain.count() != firstChain.count()
                    || !seen.equals(membership.apply(group))) {
                throw new InvariantViolation(
                        "%s: %s and %s differ at applied index %d: %d and %d commands, %s and %s"
                                .formatted(
                                        group,
                                        first,
                                        node,
                                        sim.appliedIndex(node, group),
                                        firstChain.count(),
                                        chain.count(),
                                        membership.apply(group),
                                        seen));
            }
            if (chain.count() < acknowledged) {
                throw new InvariantViolation(
                        "%s: %s applied %d commands, but %d were acknowledged"
                                .formatted(group, node, chain.count(), acknowledged));
            }
        }
    }

    private HashChainStateMachine chain(NodeId node, GroupId group) {
        return (HashChainStateMachine) sim.node(node).stateMachine(group).orElseThrow();
    }

    /** Only the members of a group host it or keep its state on their disks. */
    private void checkNoReplicaOutsideMembership() {
        for (GroupId group : groups) {
            List<NodeId> groupMembers = membership.apply(group).members();
            for (NodeId node : nodes) {
                boolean hosts = sim.node(node).hostIfUp().map(h -> h.hosts(group)).orElse(false);
                boolean stores = sim.node(node).disk().storedGroups().contains(group);
                boolean listed = sim.replicaNodes(group).contains(node);
                if (!groupMembers.contains(node) && (hosts || stores || listed)) {
                    throw new InvariantViolation(
                            "%s is not a member of %s (%s) but still %s it"
                                    .formatted(
                                            node,
                                            group,
                                            membership.apply(group),
                                            hosts ? "hosts" : stores ? "stores" : "is to host"));
                }
                if (groupMembers.contains(node) && !hosts) {
                    throw new InvariantViolation(
                            "%s is a member of %s but does not host it".formatted(node, group));
                }
            }
        }
    }

    private void checkAcknowledgedWrites(List<Acked> acked) {
        for (Acked write : acked) {
            byte[] found = sim.ledger().commandAt(write.group(), write.index()).orElse(null);
            if (!Arrays.equals(found, write.command())) {
                throw new InvariantViolation(
                        "acknowledged write at %s index %d is lost"
                                .formatted(write.group(), write.index()));
            }
        }
    }
}
