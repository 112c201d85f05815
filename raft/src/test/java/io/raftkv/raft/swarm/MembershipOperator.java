package io.raftkv.raft.swarm;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.MembershipChange.AddLearner;
import io.raftkv.raft.core.MembershipChange.Promote;
import io.raftkv.raft.core.MembershipChange.Remove;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.sim.Simulation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The swarm's operator: now and then it replaces a voter of a group, adds one, removes one or
 * removes the leader, and it replaces a replica whose disk was lost.
 *
 * <p>It works as an operator's tool would, from what the group reports. An operation only sets a
 * target set of voters; then, one change at a time (Raft thesis section 4.1), the operator reads
 * the leader's membership and proposes to that leader whatever moves it toward the target: a
 * learner on a new node, its promotion once the leader's match index shows it caught up, the
 * removal of a voter that is no longer wanted. A refusal, a NotLeader or an unknown outcome is
 * answered by reading the leader's membership again before proposing anything, so a change whose
 * first attempt took effect is not proposed twice. The target is reached once the leader's
 * membership is the target and its commit index covers its log as it was when that was seen (in the
 * same term, so that log had not been cut back). Only then are the replicas of removed nodes
 * deleted, each after a random delay (an operator's tool is not instant), so a removed replica may
 * linger, campaign and be partitioned while the group moves on.
 *
 * <p>Identity is never reused (DESIGN.md rule 7): a node that ever hosted a replica of a group
 * never hosts one of it again, so each group has a limited supply of new nodes.
 */
final class MembershipOperator {
    /** Voters a group keeps at least, so it stays live under the swarm's faults, and at most. */
    static final int VOTERS_MIN = 3;

    static final int VOTERS_MAX = 5;

    /** How long to wait for the outcome of an accepted change before looking again. */
    private static final long OUTCOME_WAIT_MILLIS = 3_000;

    /** The longest a removed node keeps its replica after its removal is committed. */
    private static final int DELETE_DELAY_MILLIS_MAX = 2_000;

    private static final int JOURNAL_LINES_MAX = 200;

    private enum Operation {
        REPLACE,
        REPLACE_LEADER,
        ADD,
        REMOVE,
        REMOVE_LEADER
    }

    /**
     * The leader {@code node} had this membership in {@code term} with its log ending at {@code
     * index}.
     */
    private record Sighting(NodeId node, long term, long index) {}

    /** A change accepted by a leader whose outcome has not come back yet. */
    private static final class Attempt {
        final long sentAtMillis;
        boolean decided;

        Attempt(long sentAtMillis) {
            this.sentAtMillis = sentAtMillis;
        }
    }

    /** One group as the operator sees it. */
    private static final class Plan {
        final TreeSet<NodeId> targetVoters;

        /** Every node that ever hosted (or was chosen to host) a replica of the group. */
        final TreeSet<NodeId> everHosted;

        /** The membership of the latest leader the operator asked. */
        Membership view;

        boolean settled = true;

        /** When to delete the replica of each removed node that still has one. */
        final TreeMap<NodeId, Long> deleteAtMillis = new TreeMap<>();

        Sighting sighting;
        Attempt attempt;
        long nextLookMillis;

        Plan(Membership founders) {
            targetVoters = new TreeSet<>(founders.voters());
            everHosted = new TreeSet<>(founders.members());
            view = founders;
        }
    }

    private final Simulation sim;
    private final SplittableRandom random;

    /** Told which leader accepted each change, so that a nemesis may strike it. */
    private final Consumer<NodeId> acceptedBy;

    private final TreeMap<GroupId, Plan> plans = new TreeMap<>();
    private final ArrayDeque<String> journal = new ArrayDeque<>();
    private int operationsDone;

    MembershipOperator(Simulation sim, SplittableRandom random, Consumer<NodeId> acceptedBy) {
        this.sim = sim;
        this.random = random;
        this.acceptedBy = acceptedBy;
        for (GroupId group : sim.groupIds()) {
            plans.put(group, new Plan(sim.membership(group)));
        }
    }

    /** The membership of {@code group}'s latest leader the operator asked. */
    Membership membership(GroupId group) {
        return plans.get(group).view;
    }

    /** Whether every group has reached its target and the replicas of removed nodes are gone. */
    boolean settled() {
        return plans.values().stream()
                .allMatch(plan -> plan.settled && plan.deleteAtMillis.isEmpty());
    }

    int operationsDone() {
        return operationsDone;
    }

    /** The latest things the operator did, oldest first, for a failure message. */
    String journal() {
        return String.join("\n", journal);
    }

    // ---------------------------------------------------------------- operations

    /** Starts a random operation on {@code group}, unless one is under way. */
    void startOperation(GroupId group) {
        Plan plan = plans.get(group);
        if (!plan.settled) {
            return;
        }
        List<Operation> possible = possibleOperations(group, plan);
        if (possible.isEmpty()) {
            return;
        }
        Operation operation = possible.get(random.nextInt(possible.size()));
        List<NodeId> voters = List.copyOf(plan.targetVoters);
        NodeId chosen = voters.get(random.nextInt(voters.size()));
        NodeId leaving =
                operation == Operation.REPLACE_LEADER || operation == Operation.REMOVE_LEADER
                        ? sim.leaderOf(group).filter(voters::contains).orElse(chosen)
                        : chosen;
        switch (operation) {
            case REPLACE, REPLACE_LEADER -> {
                plan.targetVoters.remove(leaving);
                plan.targetVoters.add(takeSpare(group, plan));
            }
            case ADD -> plan.targetVoters.add(takeSpare(group, plan));
            case REMOVE, REMOVE_LEADER -> plan.targetVoters.remove(leaving);
        }
        plan.settled = false;
        note(group, "%s (%s): target voters %s".formatted(operation, leaving, plan.targetVoters));
    }

    private List<Operation> possibleOperations(GroupId group, Plan plan) {
        List<Operation> possible = new ArrayList<>();
        if (spare(group, plan).isPresent()) {
            possible.add(Operation.REPLACE);
            possible.add(Operation.REPLACE_LEADER);
            if (plan.targetVoters.size() < VOTERS_MAX) {
                possible.add(Operation.ADD);
            }
        }
        if (plan.targetVoters.size() > VOTERS_MIN) {
            possible.add(Operation.REMOVE);
            possible.add(Operation.REMOVE_LEADER);
        }
        return possible;
    }

    /** A random node that never hosted {@code group}. */
    private Optional<NodeId> spare(GroupId group, Plan plan) {
        List<NodeId> spares =
                sim.nodeIds().stream().filter(node -> !plan.everHosted.contains(node)).toList();
        return spares.isEmpty()
                ? Optional.empty()
                : Optional.of(spares.get(random.nextInt(spares.size())));
    }

    private NodeId takeSpare(GroupId group, Plan plan) {
        NodeId spare = spare(group, plan).orElseThrow();
        plan.everHosted.add(spare);
        return spare;
    }

    /**
     * Replaces {@code node}'s disk with a blank one, as when a disk dies, if every group it is a
     * voter of is settled and has a new node to replace it with; the operator then replaces those
     * replicas. The node is down afterwards and restarts with no replicas. Returns whether it did.
     */
    boolean loseDisk(NodeId node) {
        List<GroupId> voterOf =
                plans.keySet().stream()
                        .filter(group -> plans.get(group).targetVoters.contains(node))
                        .toList();
        for (GroupId group : voterOf) {
            Plan plan = plans.get(group);
            if (!plan.settled || spare(group, plan).isEmpty()) {
                return false;
            }
        }
        sim.replaceDisk(node);
        for (var entry : plans.entrySet()) {
            if (sim.replicaNodes(entry.getKey()).contains(node)) {
                sim.removeReplica(entry.getKey(), node);
                entry.getValue().deleteAtMillis.remove(node);
            }
        }
        for (GroupId group : voterOf) {
            Plan plan = plans.get(group);
            plan.targetVoters.remove(node);
            plan.targetVoters.add(takeSpare(group, plan));
            plan.settled = false;
            note(group, "%s lost its disk: target voters %s".formatted(node, plan.targetVoters));
        }
        return true;
    }

    // ---------------------------------------------------------------- reconciling

    /**
     * Moves every group that is not settled one step toward its target, when it is time to, and
     * deletes the replicas of removed nodes that are due.
     */
    void step() {
        for (var entry : plans.entrySet()) {
            Plan plan = entry.getValue();
            if (!plan.settled && sim.nowMillis() >= plan.nextLookMillis && !awaitingOutcome(plan)) {
                reconcile(entry.getKey(), plan);
            }
            deleteDueReplicas(entry.getKey(), plan);
        }
    }

    private void deleteDueReplicas(GroupId group, Plan plan) {
        List<NodeId> due =
                plan.deleteAtMillis.entrySet().stream()
                        .filter(entry -> entry.getValue() <= sim.nowMillis())
                        .map(entry -> entry.getKey())
                        .toList();
        for (NodeId node : due) {
            plan.deleteAtMillis.remove(node);
            sim.removeReplica(group, node);
            note(group, "deleted the replica on %s".formatted(node));
        }
    }

    private boolean awaitingOutcome(Plan plan) {
        return plan.attempt != null
                && !plan.attempt.decided
                && sim.nowMillis() < plan.attempt.sentAtMillis + OUTCOME_WAIT_MILLIS;
    }

    private void reconcile(GroupId group, Plan plan) {
        plan.attempt = null;
        Optional<NodeId> leader = sim.leaderOf(group);
        Optional<RaftStatus> status = leader.flatMap(node -> sim.status(node, group));
        if (status.isEmpty()) {
            lookAgainIn(plan, 50);
            return;
        }
        plan.view = status.get().membership();
        Optional<MembershipChange> change = nextChange(group, plan, leader.get(), status.get());
        if (change.isPresent()) {
            plan.sighting = null;
            propose(group, plan, leader.get(), change.get());
        } else if (reached(plan)) {
            confirmCommitted(group, plan, leader.get(), status.get());
        } else {
            lookAgainIn(plan, 50); // a learner is catching up
        }
    }

    /**
     * The next change toward the target, from the leader's membership: drop unwanted learners, add
     * wanted nodes as learners, promote caught-up learners, then remove unwanted voters. Empty if
     * the target is reached or a learner must catch up first.
     */
    private Optional<MembershipChange> nextChange(
            GroupId group, Plan plan, NodeId leader, RaftStatus status) {
        Membership view = plan.view;
        for (NodeId learner : view.learners()) {
            if (!plan.targetVoters.contains(learner)) {
                return Optional.of(new Remove(learner));
            }
        }
        for (NodeId wanted : plan.targetVoters) {
            if (!view.contains(wanted)) {
                hostLearner(group, wanted, view);
                return Optional.of(new AddLearner(wanted));
            }
        }
        if (!view.learners().isEmpty()) {
            NodeId learner = view.learners().getFirst(); // every learner left is wanted
            Long match = sim.node(leader).host().matchIndexes(group).get(learner);
            return match != null && match >= status.commitIndex()
                    ? Optional.of(new Promote(learner))
                    : Optional.empty();
        }
        for (NodeId voter : view.voters()) {
            if (!plan.targetVoters.contains(voter)) {
                return Optional.of(new Remove(voter));
            }
        }
        return Optional.empty();
    }

    /** Starts a replica on a new node, knowing the voters and itself as a learner. */
    private void hostLearner(GroupId group, NodeId node, Membership view) {
        if (!sim.replicaNodes(group).contains(node)) {
            sim.addReplica(group, node, new Membership(view.voters(), List.of(node)));
            note(group, "started a replica on %s".formatted(node));
        }
    }

    private boolean reached(Plan plan) {
        return plan.view.learners().isEmpty()
                && plan.view.voters().equals(List.copyOf(plan.targetVoters));
    }

    private void propose(GroupId group, Plan plan, NodeId leader, MembershipChange change) {
        Attempt attempt = new Attempt(sim.nowMillis());
        ChangeResult result =
                sim.node(leader)
                        .host()
                        .changeMembership(
                                group, change, outcome -> decided(group, attempt, outcome));
        switch (result) {
            case ProposeResult.Accepted accepted -> {
                plan.attempt = attempt;
                acceptedBy.accept(leader);
                note(
                        group,
                        "%s on %s accepted at index %d term %d"
                                .formatted(change, leader, accepted.index(), accepted.term()));
            }
            case ChangeResult.Refused refused -> lookAgainIn(plan, 100);
            case Rejection rejection -> lookAgainIn(plan, 100);
        }
    }

    private void decided(GroupId group, Attempt attempt, ProposalOutcome outcome) {
        attempt.decided = true;
        if (outcome instanceof ProposalOutcome.Applied applied) {
            note(group, "applied at index %d".formatted(applied.index()));
        } else {
            note(group, "outcome unknown");
        }
    }

    /**
     * Settles once the leader that showed the target membership has committed its log as it was
     * then: the entry that made that membership is in it. NB: only while that node's term is
     * unchanged, since a node that stops leading may have its uncommitted tail replaced.
     */
    private void confirmCommitted(GroupId group, Plan plan, NodeId leader, RaftStatus status) {
        Sighting sighting = plan.sighting;
        if (sighting == null
                || !sighting.node().equals(leader)
                || sighting.term() != status.term()) {
            plan.sighting = new Sighting(leader, status.term(), status.lastIndex());
            sighting = plan.sighting;
        }
        if (status.commitIndex() < sighting.index()) {
            lookAgainIn(plan, 20);
            return;
        }
        for (NodeId node : sim.replicaNodes(group)) {
            if (!plan.view.contains(node)) {
                plan.deleteAtMillis.putIfAbsent(
                        node, sim.nowMillis() + random.nextInt(DELETE_DELAY_MILLIS_MAX + 1));
            }
        }
        plan.settled = true;
        plan.sighting = null;
        operationsDone++;
        note(group, "settled at %s".formatted(plan.view));
    }

    private void lookAgainIn(Plan plan, long millis) {
        plan.nextLookMillis = sim.nowMillis() + millis;
    }

    private void note(GroupId group, String line) {
        if (journal.size() == JOURNAL_LINES_MAX) {
            journal.removeFirst();
        }
        journal.addLast("%6d ms %s: %s".formatted(sim.nowMillis(), group, line));
    }
}
