package io.raftkv.raft.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.MembershipChange.AddLearner;
import io.raftkv.raft.core.MembershipChange.Promote;
import io.raftkv.raft.core.MembershipChange.Remove;
import io.raftkv.raft.core.Message.RequestVote;
import io.raftkv.raft.core.Message.RequestVoteResponse;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.sim.HashChainStateMachine;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Single-server membership changes in the simulator (Raft thesis section 4.1; the scenarios of
 * etcd's confchange tests that apply to learners and one change at a time). Every run also checks
 * the simulator's invariants on every event: at most one leader per term, commit and applied
 * indexes never going back, and equal state at equal applied index.
 */
class MembershipChangeTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final NodeId N1 = NodeId.of(1);
    private static final NodeId N2 = NodeId.of(2);
    private static final NodeId N3 = NodeId.of(3);
    private static final NodeId N4 = NodeId.of(4);
    private static final Membership FOUNDERS = Membership.of(N1, N2, N3);

    /** Each node's latest hash chain: how many commands its replica applied. */
    private final Map<NodeId, HashChainStateMachine> chains = new HashMap<>();

    private long nextCommand = 1;

    @Test
    void aLearnerCatchesUpBySnapshotIsPromotedAndThenCountsTowardTheQuorum() {
        Simulation sim = cluster(1, HostOptions.defaults().withSnapshotEntries(10));
        proposeAndAwait(sim, 40);
        sim.addReplica(GROUP, N4, new Membership(FOUNDERS.voters(), List.of(N4)));

        change(sim, new AddLearner(N4));
        awaitCaughtUp(sim, N4);
        RaftStatus learner = sim.status(N4, GROUP).orElseThrow();
        assertThat(learner.snapshotIndex()).as("caught up by a snapshot").isPositive();
        assertThat(learner.membership().isLearner(N4)).isTrue();
        change(sim, new Promote(N4));

        // With n1..n4 voting, three of the four must answer: n4 is needed once two are down.
        NodeId leader = leader(sim);
        sim.crash(leader);
        sim.crash(FOUNDERS.voters().stream().filter(n -> !n.equals(leader)).findFirst().get());
        assertThat(sim.runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000)).isFalse();
        sim.start(leader);
        proposeAndAwait(sim, 10);
        assertThat(sim.status(N4, GROUP).orElseThrow().membership())
                .isEqualTo(Membership.of(N1, N2, N3, N4));
    }

    @Test
    void aLearnerNeverVotesAndNeverCountsTowardACommit() {
        Simulation sim = newSimulation(2, HostOptions.defaults());
        for (NodeId node : List.of(N1, N2, N3)) {
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(GROUP, new Membership(List.of(N1, N2), List.of(N3)));
        proposeAndAwait(sim, 5);
        awaitCaughtUp(sim, N3);

        NodeId leader = leader(sim);
        NodeId otherVoter = leader.equals(N1) ? N2 : N1;
        sim.crash(otherVoter);
        long commit = sim.status(leader, GROUP).orElseThrow().commitIndex();
        propose(sim, leader);
        sim.runFor(3_000);
        assertThat(sim.status(leader, GROUP).orElseThrow().commitIndex())
                .as("a learner's acknowledgement does not commit")
                .isEqualTo(commit);

        sim.crash(leader);
        sim.start(otherVoter);
        assertThat(sim.runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000))
                .as("one voter and a learner cannot elect")
                .isFalse();
        assertThat(sim.status(N3, GROUP).orElseThrow().role()).isEqualTo(Role.FOLLOWER);
    }

    /**
     * A learner just added has an empty log: it has promised nothing, and its vote would go to any
     * log, so it grants none until the leader has given it the log.
     */
    @Test
    void aBlankLearnerGrantsNoVoteToACandidateThatStillCountsItAsAVoter() {
        RaftReplica learner =
                new RaftReplica(
                        N3,
                        new Membership(List.of(N1, N2), List.of(N3)),
                        RaftOptions.defaults(),
                        1,
                        PersistedState.EMPTY);
        for (boolean preVote : List.of(true, false)) {
            learner.step(new RequestVote(N1, N3, 5, 7, 2, preVote, false));
            assertThat(learner.ready().messages())
                    .singleElement()
                    .isInstanceOfSatisfying(
                            RequestVoteResponse.class,
                            answer -> assertThat(answer.granted()).isFalse());
        }
    }

    @Test
    void aRemovedLeaderHandsOffAndNeverLeadsAgain() {
        Simulation sim = cluster(3, HostOptions.defaults());
        proposeAndAwait(sim, 5);
        NodeId removed = leader(sim);

        change(sim, new Remove(removed));
        assertThat(sim.runUntil(() -> otherLeader(sim, removed).isPresent(), 2_000))
                .as("another voter leads soon after")
                .isTrue();
        proposeAndAwait(sim, 5);
        sim.runFor(5_000);
        RaftStatus status = sim.status(removed, GROUP).orElseThrow();
        assertThat(status.role()).isEqualTo(Role.FOLLOWER);
        assertThat(status.membership().contains(removed)).isFalse();
        sim.removeReplica(GROUP, removed);
        proposeAndAwait(sim, 5);
    }

    /**
     * The leader that removes itself steps down once the removal commits; it still applies the
     * removal, so the change's proposer learns it was applied, not that its fate is unknown.
     */
    @Test
    void aLeaderThatRemovesItselfReportsTheRemovalApplied() {
        Simulation sim = cluster(12, HostOptions.defaults());
        proposeAndAwait(sim, 5);
        NodeId removed = leader(sim);
        List<ProposalOutcome> outcomes = new ArrayList<>();
        ChangeResult result =
                sim.node(removed)
                        .host()
                        .changeMembership(GROUP, new Remove(removed), outcomes::add);
        assertThat(result).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(sim.runUntil(() -> !outcomes.isEmpty(), 5_000)).as("an outcome").isTrue();
        assertThat(outcomes).singleElement().isInstanceOf(ProposalOutcome.Applied.class);
    }

    /**
     * A promotion commits on the founders alone while the learner is cut off; then a founder fails.
     * Three of the four voters are up and connected, so they must elect a leader, which needs the
     * vote of the promoted replica before it has heard of its promotion (thesis section 4.1: a
     * server votes without consulting its own membership). Found by the swarm: seeds 286 and 297.
     */
    @Test
    void aPromotedReplicaThatHasNotHeardOfItsPromotionStillVotes() {
        Simulation sim = cluster(9, HostOptions.defaults());
        proposeAndAwait(sim, 5);
        sim.addReplica(GROUP, N4, new Membership(FOUNDERS.voters(), List.of(N4)));
        change(sim, new AddLearner(N4));
        awaitCaughtUp(sim, N4);
        sim.network().disconnect(N4);
        change(sim, new Promote(N4));
        NodeId failed = leader(sim);
        sim.crash(failed);
        sim.network().connect(N4);

        boolean elected = sim.runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000);
        assertThat(elected).as("a leader among the three voters up: %s", statuses(sim)).isTrue();
        proposeAndAwait(sim, 5);
    }

    /**
     * Unsafe recovery: two of three voters are lost, so nothing commits. The survivor, forced to be
     * the only voter, elects itself and commits what only it holds; a lost replica that comes back
     * with its old membership is fenced and cannot depose it.
     */
    @Test
    void aForcedSoleVoterLeadsAloneAndCommitsWhatOnlyItHolds() {
        Simulation sim = cluster(11, HostOptions.defaults());
        proposeAndAwait(sim, 5);
        NodeId survivor = leader(sim);
        List<NodeId> lost = FOUNDERS.voters().stream().filter(n -> !n.equals(survivor)).toList();
        lost.forEach(sim::crash);
        propose(sim, survivor);
        long onlyOnSurvivor = sim.status(survivor, GROUP).orElseThrow().lastIndex();
        sim.runFor(3_000);
        assertThat(sim.status(survivor, GROUP).orElseThrow().commitIndex())
                .as("one voter of three commits nothing")
                .isLessThan(onlyOnSurvivor);

        GroupHost host = sim.node(survivor).host();
        host.fence(GROUP, Set.copyOf(lost));
        assertThat(host.forceSoleVoter(GROUP)).isTrue();
        assertThat(sim.runUntil(() -> sim.leaderOf(GROUP).equals(Optional.of(survivor)), 5_000))
                .as("the survivor elects itself")
                .isTrue();
        RaftStatus recovered = sim.status(survivor, GROUP).orElseThrow();
        assertThat(recovered.membership()).isEqualTo(Membership.of(survivor));
        assertThat(host.forceSoleVoter(GROUP)).as("asking again changes nothing").isTrue();
        sim.runFor(1_000);
        assertThat(sim.status(survivor, GROUP).orElseThrow().commitIndex())
                .isGreaterThan(onlyOnSurvivor);
        proposeAndAwait(sim, 3);

        long term = sim.status(survivor, GROUP).orElseThrow().term();
        long dropped = host.droppedEnvelopes();
        sim.start(lost.get(0));
        sim.runFor(10_000);
        assertThat(sim.status(survivor, GROUP).orElseThrow())
                .as("still the only voter and leader, in the same term")
                .satisfies(status -> assertThat(status.role()).isEqualTo(Role.LEADER))
                .satisfies(status -> assertThat(status.term()).isEqualTo(term));
        assertThat(host.droppedEnvelopes())
                .as("the fenced replica's messages")
                .isGreaterThan(dropped);
        proposeAndAwait(sim, 3);
    }

    private static List<String> statuses(Simulation sim) {
        return sim.replicaNodes(GROUP).stream()
                .map(node -> sim.status(node, GROUP).map(Object::toString).orElse(node + " down"))
                .toList();
    }

    @Test
    void aFollowerRemovedDuringAPartitionDoesNotDisruptTheGroupWhenItReturns() {
        Simulation sim = cluster(4, HostOptions.defaults());
        proposeAndAwait(sim, 5);
        NodeId leader = leader(sim);
        NodeId removed = follower(sim, leader);
        sim.network().disconnect(removed);

        change(sim, new Remove(removed));
        proposeAndAwait(sim, 5);
        sim.runFor(5_000);
        sim.network().connect(removed);
        long term = sim.status(leader, GROUP).orElseThrow().term();
        sim.runFor(5_000);

        assertThat(leader(sim)).isEqualTo(leader);
        assertThat(sim.status(leader, GROUP).orElseThrow().term())
                .as("the removed replica's campaigns change nothing")
                .isEqualTo(term);
        proposeAndAwait(sim, 5);
    }

    @Test
    void aReplicaAddedWhileTheOldLeaderIsPartitionedGetsTheWholeLog() {
        Simulation sim = cluster(5, HostOptions.defaults());
        proposeAndAwait(sim, 10);
        NodeId oldLeader = leader(sim);
        sim.network().disconnect(oldLeader);
        assertThat(sim.runUntil(() -> otherLeader(sim, oldLeader).isPresent(), 10_000)).isTrue();

        sim.addReplica(GROUP, N4, new Membership(FOUNDERS.voters(), List.of(N4)));
        change(sim, new AddLearner(N4));
        proposeAndAwait(sim, 10);
        awaitCaughtUp(sim, N4);
        change(sim, new Promote(N4));
        sim.network().connect(oldLeader);

        proposeAndAwait(sim, 10);
        awaitEveryReplicaApplied(sim, List.of(N1, N2, N3, N4));
    }

    @Test
    void aSecondChangeWhileOneIsPendingIsRefusedAsAValue() {
        Simulation sim = cluster(6, HostOptions.defaults());
        proposeAndAwait(sim, 3);
        NodeId leader = leader(sim);
        for (NodeId node : FOUNDERS.voters()) {
            if (!node.equals(leader)) {
                sim.network().disconnect(node);
            }
        }
        sim.addNode(N4);
        ChangeResult first = changeOn(sim, leader, new AddLearner(N4));
        ChangeResult second = changeOn(sim, leader, new Remove(N4));

        assertThat(first).isInstanceOf(ProposeResult.Accepted.class);
        assertThat(second)
                .isInstanceOfSatisfying(
                        ChangeResult.Refused.class,
                        refused ->
                                assertThat(refused.reason())
                                        .matches(
                                                "the membership change at index \\d+ is not"
                                                        + " committed yet"));
    }

    @Test
    void changesThatDoNotApplyAreRefusedWithTheReason() {
        Simulation sim = newSimulation(7, HostOptions.defaults());
        for (NodeId node : List.of(N1, N2)) {
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(GROUP, Membership.of(N1));
        proposeAndAwait(sim, 1);

        assertThat(changeOn(sim, N1, new Remove(N1)))
                .isEqualTo(new ChangeResult.Refused("n1 is the last voter"));
        assertThat(changeOn(sim, N1, new AddLearner(N1)))
                .isEqualTo(new ChangeResult.Refused("n1 is already a replica (voters [n1])"));
        assertThat(changeOn(sim, N1, new Promote(N2)))
                .isEqualTo(new ChangeResult.Refused("n2 is not a learner (voters [n1])"));
        assertThat(changeOn(sim, N2, new AddLearner(N3)))
                .as("on a node without the group")
                .isEqualTo(new Rejection.NotLeader(Optional.empty()));
    }

    @Test
    void aReplaceUnderMessageLossKeepsEveryCommandAppliedOnceOnEveryReplica() {
        for (long seed = 100; seed < 110; seed++) {
            chains.clear();
            nextCommand = 1;
            Simulation sim = cluster(seed, HostOptions.defaults().withSnapshotEntries(25));
            sim.network().faults(NetworkFaults.UNRELIABLE);
            proposeAndAwait(sim, 20);
            sim.addReplica(GROUP, N4, new Membership(FOUNDERS.voters(), List.of(N4)));

            change(sim, new AddLearner(N4));
            proposeAndAwait(sim, 20);
            awaitCaughtUp(sim, N4);
            change(sim, new Promote(N4));
            change(sim, new Remove(N3));
            assertThat(
                            sim.runUntil(
                                    () ->
                                            !sim.status(N3, GROUP)
                                                    .orElseThrow()
                                                    .membership()
                                                    .contains(N3),
                                    10_000))
                    .as("the removed replica learns of its removal from its own log")
                    .isTrue();
            proposeAndAwait(sim, 20);
            sim.removeReplica(GROUP, N3);

            awaitEveryReplicaApplied(sim, List.of(N1, N2, N4));
            assertThat(sim.status(N4, GROUP).orElseThrow().membership())
                    .isEqualTo(Membership.of(N1, N2, N4));
        }
    }

    @Test
    void aRestartRecoversTheMembershipFromTheLogAndFromSnapshots() {
        for (int snapshotEntries : List.of(10_000, 5)) {
            chains.clear();
            nextCommand = 1;
            Simulation sim =
                    cluster(8, HostOptions.defaults().withSnapshotEntries(snapshotEntries));
            proposeAndAwait(sim, 10);
            sim.addReplica(GROUP, N4, new Membership(FOUNDERS.voters(), List.of(N4)));
            change(sim, new AddLearner(N4));
            awaitCaughtUp(sim, N4);
            change(sim, new Promote(N4));
            change(sim, new Remove(N1));
            proposeAndAwait(sim, 10);
            sim.removeReplica(GROUP, N1);

            for (NodeId node : List.of(N2, N3, N4)) {
                sim.crash(node);
            }
            for (NodeId node : List.of(N2, N3, N4)) {
                sim.start(node);
            }
            proposeAndAwait(sim, 3);
            for (NodeId node : List.of(N2, N3, N4)) {
                assertThat(sim.status(node, GROUP).orElseThrow().membership())
                        .as("%s after a restart, snapshots every %d entries", node, snapshotEntries)
                        .isEqualTo(Membership.of(N2, N3, N4));
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private Simulation newSimulation(long seed, HostOptions options) {
        return new Simulation(
                seed,
                options,
                (node, group, ledger) -> {
                    HashChainStateMachine chain = new HashChainStateMachine(node, group, ledger, 0);
                    chains.put(node, chain);
                    return chain;
                });
    }

    /** n1..n4 up, the group on n1..n3. */
    private Simulation cluster(long seed, HostOptions options) {
        Simulation sim = newSimulation(seed, options);
        for (NodeId node : List.of(N1, N2, N3, N4)) {
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(GROUP, FOUNDERS);
        return sim;
    }

    private static NodeId leader(Simulation sim) {
        assertThat(sim.runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000))
                .as("a leader")
                .isTrue();
        return sim.leaderOf(GROUP).orElseThrow();
    }

    private static Optional<NodeId> otherLeader(Simulation sim, NodeId not) {
        return sim.leaderOf(GROUP).filter(leader -> !leader.equals(not));
    }

    private static NodeId follower(Simulation sim, NodeId leader) {
        return sim.replicaNodes(GROUP).stream()
                .filter(node -> !node.equals(leader))
                .findFirst()
                .orElseThrow();
    }

    private void propose(Simulation sim, NodeId leader) {
        byte[] command = ByteBuffer.allocate(Long.BYTES).putLong(nextCommand++).array();
        assertThat(sim.node(leader).host().propose(GROUP, command, outcome -> {}))
                .isInstanceOf(ProposeResult.Accepted.class);
    }

    /** Proposes {@code count} commands, retrying through leader changes until each is applied. */
    private void proposeAndAwait(Simulation sim, int count) {
        for (int i = 0; i < count; i++) {
            byte[] command = ByteBuffer.allocate(Long.BYTES).putLong(nextCommand++).array();
            AtomicBoolean applied = new AtomicBoolean();
            long deadline = sim.nowMillis() + 60_000;
            while (!applied.get()) {
                assertThat(sim.nowMillis()).as("command applied in time").isLessThan(deadline);
                NodeId leader = leader(sim);
                AtomicBoolean decided = new AtomicBoolean();
                ProposeResult result =
                        sim.node(leader)
                                .host()
                                .propose(
                                        GROUP,
                                        command,
                                        outcome -> {
                                            decided.set(true);
                                            applied.set(outcome instanceof ProposalOutcome.Applied);
                                        });
                if (result instanceof ProposeResult.Accepted) {
                    sim.runUntil(decided::get, 5_000);
                } else {
                    sim.runFor(100);
                }
            }
        }
    }

    private static ChangeResult changeOn(Simulation sim, NodeId node, MembershipChange change) {
        return sim.node(node).host().changeMembership(GROUP, change, outcome -> {});
    }

    /** Proposes {@code change} until it is committed, as an operator's tool would. */
    private static void change(Simulation sim, MembershipChange change) {
        long deadline = sim.nowMillis() + 60_000;
        List<String> refusals = new ArrayList<>();
        while (true) {
            assertThat(sim.nowMillis())
                    .as("change %s committed in time; refused: %s", change, refusals)
                    .isLessThan(deadline);
            NodeId leader = leader(sim);
            AtomicBoolean applied = new AtomicBoolean();
            AtomicBoolean decided = new AtomicBoolean();
            ChangeResult result =
                    sim.node(leader)
                            .host()
                            .changeMembership(
                                    GROUP,
                                    change,
                                    outcome -> {
                                        decided.set(true);
                                        applied.set(outcome instanceof ProposalOutcome.Applied);
                                    });
            if (result instanceof ChangeResult.Refused refused) {
                refusals.add(refused.reason());
                if (refused.reason().contains("already") || refused.reason().contains("not a")) {
                    return; // an earlier attempt whose outcome was unknown took effect
                }
            }
            if (result instanceof ProposeResult.Accepted) {
                sim.runUntil(decided::get, 5_000);
                if (applied.get()) {
                    return;
                }
            } else {
                sim.runFor(100);
            }
        }
    }

    /** Waits until {@code node} has applied everything the leader has committed. */
    private static void awaitCaughtUp(Simulation sim, NodeId node) {
        assertThat(
                        sim.runUntil(
                                () ->
                                        sim.leaderOf(GROUP)
                                                .flatMap(leader -> sim.status(leader, GROUP))
                                                .map(RaftStatus::commitIndex)
                                                .filter(
                                                        commit ->
                                                                sim.appliedIndex(node, GROUP)
                                                                        >= commit)
                                                .isPresent(),
                                30_000))
                .as("%s caught up", node)
                .isTrue();
    }

    /**
     * Every replica in {@code nodes} applies the same commands: as many as the others (a retried
     * command whose first outcome was unknown may be applied twice, on every replica alike), and
     * the simulation's ledger checks that equal indexes hold equal state.
     */
    private void awaitEveryReplicaApplied(Simulation sim, List<NodeId> nodes) {
        long commands = nextCommand - 1;
        assertThat(
                        sim.runUntil(
                                () ->
                                        nodes.stream()
                                                .allMatch(
                                                        node ->
                                                                chains.get(node).count()
                                                                        >= commands),
                                30_000))
                .as(
                        "every replica applied %d commands (seed %d): %s",
                        commands,
                        sim.seed(),
                        nodes.stream()
                                .map(
                                        node ->
                                                node
                                                        + "="
                                                        + chains.get(node).count()
                                                        + " "
                                                        + sim.status(node, GROUP))
                                .toList())
                .isTrue();
        sim.runFor(2_000);
        long applied = chains.get(nodes.getFirst()).count();
        for (NodeId node : nodes) {
            assertThat(chains.get(node).count()).as("%s applied", node).isEqualTo(applied);
        }
    }
}
