package io.raftkv.raft.swarm;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.host.ReadOutcome;
import io.raftkv.raft.sim.HashChainStateMachine;
import io.raftkv.raft.sim.InvariantViolation;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One randomized run: 3 or 5 nodes hosting several groups, clients writing and reading through
 * whichever replica leads (with idle spells, so groups quiesce), and a nemesis that partitions,
 * crashes (tearing unsynced writes), restarts, degrades the network and moves leadership. The
 * simulator checks its safety invariants after every event; this class adds the client-visible
 * ones:
 *
 * <ul>
 *   <li>every acknowledged write is in the final log, at the index it was acknowledged at;
 *   <li>a linearizable read sees at least every write acknowledged before the read started;
 *   <li>once the faults stop, every group elects a leader and commits a write on every replica.
 * </ul>
 */
final class RaftSwarm {
    private record Acked(GroupId group, long index, byte[] command) {}

    private final long seed;
    private final SplittableRandom random;
    private final Simulation sim;
    private final List<NodeId> nodes = new ArrayList<>();
    private final List<GroupId> groups = new ArrayList<>();
    private final List<Acked> acked = new ArrayList<>();
    private final TreeMap<GroupId, Long> ackedPerGroup = new TreeMap<>();
    private long nextCommand;

    /** Idle spells let groups quiesce, so faults also hit quiesced groups. */
    private long clientsPausedUntil;

    private int readsConfirmed;

    RaftSwarm(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        RaftOptions raft = RaftOptions.defaults().withSnapshotChunkBytes(64);
        HostOptions options =
                HostOptions.defaults().withRaft(raft).withSnapshotEntries(5 + random.nextInt(40));
        this.sim =
                new Simulation(
                        seed,
                        options,
                        (node, group, ledger) ->
                                new HashChainStateMachine(node, group, ledger, 200));
        buildTopology();
    }

    private void buildTopology() {
        int nodeCount = random.nextBoolean() ? 3 : 5;
        for (int i = 1; i <= nodeCount; i++) {
            nodes.add(NodeId.of(i));
            sim.addNode(NodeId.of(i)).storage().syncDelayMillis(1 + random.nextInt(5));
            sim.start(NodeId.of(i));
        }
        int groupCount = 2 + random.nextInt(3);
        for (int g = 1; g <= groupCount; g++) {
            GroupId group = GroupId.of(g);
            groups.add(group);
            sim.addGroup(group, new Membership(pickMembers(nodeCount)));
        }
    }

    /** Three members out of five (rotating), or all three. */
    private List<NodeId> pickMembers(int nodeCount) {
        if (nodeCount == 3) {
            return nodes;
        }
        int size = random.nextBoolean() ? 3 : 5;
        List<NodeId> shuffled = new ArrayList<>(nodes);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            NodeId swap = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, swap);
        }
        return shuffled.subList(0, size);
    }

    Simulation simulation() {
        return sim;
    }

    int acknowledgedWrites() {
        return acked.size();
    }

    int readsConfirmed() {
        return readsConfirmed;
    }

    /** Runs {@code chaosMillis} of faults and load, then heals and checks the outcome. */
    void run(long chaosMillis) {
        long chaosEnd = sim.nowMillis() + chaosMillis;
        long nextNemesis = sim.nowMillis() + 200;
        while (sim.nowMillis() < chaosEnd) {
            if (sim.nowMillis() >= nextNemesis) {
                nemesis();
                nextNemesis = sim.nowMillis() + 100 + random.nextInt(900);
            }
            boolean paused = sim.nowMillis() < clientsPausedUntil;
            for (int burst = paused ? 0 : 1 + random.nextInt(4); burst > 0; burst--) {
                clientStep();
            }
            sim.runFor(1 + random.nextInt(10));
        }
        heal();
        checkConvergence();
        checkAcknowledgedWrites();
    }

    private void nemesis() {
        switch (random.nextInt(9)) {
            case 0 -> sim.network().partition(randomSides());
            case 1 -> sim.network().heal();
            case 2 -> {
                NodeId victim = nodes.get(random.nextInt(nodes.size()));
                sim.crash(victim, 0.5);
            }
            case 3 -> restartOneCrashed();
            case 4 -> sim.network().faults(randomFaults());
            case 5 -> sim.network().blockLink(randomNode(), randomNode());
            case 6 -> transferSomeLeadership();
            case 7 -> clientsPausedUntil = sim.nowMillis() + 500 + random.nextInt(1_500);
            default -> sim.network().faults(NetworkFaults.RELIABLE);
        }
        keepMajorityUp();
    }

    private List<List<NodeId>> randomSides() {
        List<NodeId> left = new ArrayList<>();
        List<NodeId> right = new ArrayList<>();
        for (NodeId node : nodes) {
            (random.nextBoolean() ? left : right).add(node);
        }
        return List.of(left, right);
    }

    private NetworkFaults randomFaults() {
        NetworkFaults faults =
                random.nextBoolean() ? NetworkFaults.UNRELIABLE : NetworkFaults.RELIABLE;
        return faults.withDuplicateRate(random.nextInt(3) * 0.05)
                .withLongReordering(random.nextInt(4) == 0);
    }

    private NodeId randomNode() {
        return nodes.get(random.nextInt(nodes.size()));
    }

    private void restartOneCrashed() {
        for (NodeId node : nodes) {
            if (!sim.node(node).isUp()) {
                sim.start(node);
                return;
            }
        }
    }

    /** Keeps the run interesting: at most a minority of nodes is down at once. */
    private void keepMajorityUp() {
        long down = nodes.stream().filter(node -> !sim.node(node).isUp()).count();
        if (down > (nodes.size() - 1) / 2) {
            restartOneCrashed();
        }
    }

    private void transferSomeLeadership() {
        GroupId group = groups.get(random.nextInt(groups.size()));
        leaderOf(group)
                .ifPresent(
                        leader -> {
                            List<NodeId> voters = sim.membership(group).voters();
                            NodeId target = voters.get(random.nextInt(voters.size()));
                            sim.node(leader).host().transferLeadership(group, target);
                        });
    }

    private Optional<NodeId> leaderOf(GroupId group) {
        return sim.leaderOf(group);
    }

    private void clientStep() {
        GroupId group = groups.get(random.nextInt(groups.size()));
        NodeId target =
                sim.membership(group)
                        .voters()
                        .get(random.nextInt(sim.membership(group).voters().size()));
        Optional<GroupHost> host = sim.node(target).hostIfUp();
        if (host.isEmpty()) {
            return;
        }
        if (random.nextInt(4) == 0) {
            read(target, host.get(), group);
        } else {
            write(host.get(), group);
        }
    }

    private void write(GroupHost host, GroupId group) {
        byte[] command = ByteBuffer.allocate(16).putLong(seed).putLong(++nextCommand).array();
        host.propose(
                group,
                command,
                outcome -> {
                    if (outcome instanceof ProposalOutcome.Applied applied) {
                        acked.add(new Acked(group, applied.index(), command));
                        ackedPerGroup.merge(group, 1L, Long::sum);
                    }
                });
    }

    private void read(NodeId node, GroupHost host, GroupId group) {
        long ackedAtStart = ackedPerGroup.getOrDefault(group, 0L);
        host.read(
                group,
                0,
                outcome -> {
                    if (outcome instanceof ReadOutcome.Confirmed) {
                        long seen =
                                ((HashChainStateMachine)
                                                sim.node(node).stateMachine(group).orElseThrow())
                                        .count();
                        if (seen < ackedAtStart) {
                            throw new InvariantViolation(
                                    "%s: a read saw %d commands, but %d were acknowledged before it started"
                                            .formatted(group, seen, ackedAtStart));
                        }
                        readsConfirmed++;
                    }
                });
    }

    private void heal() {
        sim.network().heal();
        sim.network().faults(NetworkFaults.RELIABLE);
        for (NodeId node : nodes) {
            sim.network().connect(node);
            if (!sim.node(node).isUp()) {
                sim.start(node);
            }
        }
    }

    /**
     * After healing, every group commits one more write on every replica within 30 s. Like a
     * client, the check re-proposes when its proposal's fate is unknown (its leader was deposed).
     */
    private void checkConvergence() {
        for (GroupId group : groups) {
            long deadline = sim.nowMillis() + 30_000;
            long[] appliedAt = {-1};
            boolean[] inFlight = {false};
            long attempt = 0;
            while (!converged(group, appliedAt[0]) && sim.nowMillis() < deadline) {
                Optional<NodeId> leader = leaderOf(group);
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

    private String describe(GroupId group) {
        StringBuilder text = new StringBuilder();
        for (NodeId node : sim.membership(group).voters()) {
            text.append("\n  ")
                    .append(sim.status(node, group).map(Object::toString).orElse(node + " down"));
        }
        return text.toString();
    }

    private boolean allApplied(GroupId group, long index) {
        return sim.membership(group).voters().stream()
                .allMatch(node -> sim.appliedIndex(node, group) >= index);
    }

    private void checkAcknowledgedWrites() {
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
