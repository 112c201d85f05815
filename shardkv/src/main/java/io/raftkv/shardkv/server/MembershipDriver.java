package io.raftkv.shardkv.server;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.ProposalOutcome;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * Moves one replica group's Raft membership toward the members its latest shard config lists, one
 * single-server change at a time, while this node leads the group. The controller's config is the
 * wish and the group's log the fact, so the driver is idempotent and resumes after any crash or
 * change of leader: a new leader simply plans from what its log says.
 *
 * <p>A leader the config no longer wants first hands leadership to a wanted voter that has caught
 * up ({@link #successor}): clients, other groups and the new replicas know a group's members from
 * the latest config, so they cannot reach a leader it dropped, and the group would serve only those
 * holding an older config until the change is done (for ever, if the new replica never catches up).
 *
 * <p>The plan ({@link #nextChange}): a learner the config no longer wants is removed; a wanted
 * learner that has caught up is promoted; a wanted node that is no replica yet is added as a
 * learner; and only once every wanted node votes are voters the config dropped removed, this leader
 * last (when no wanted voter could take over). So a replacement never lowers the group's
 * redundancy, and a replacement that never catches up (a dead or mistyped node) leaves the old
 * voters serving until the operator replaces it in turn.
 *
 * <p>Public so that the sharded-store simulator runs this very driver on its simulated nodes.
 */
public final class MembershipDriver {
    /**
     * How far behind the commit index a learner may be and still be promoted; it must also have
     * acknowledged something, so a learner that never answered (a dead or mistyped node) is never
     * made a voter whose absence would then count against the quorum.
     */
    static final long PROMOTION_LAG_MAX = 64;

    /** Drives without an answer after which a change in flight is given up on. */
    private static final int IN_FLIGHT_TICKS_MAX = 100;

    /**
     * Drives between two attempts to hand leadership away; an attempt that fails (the successor is
     * down) refuses proposals for an election timeout, so it is not retried at every drive.
     */
    private static final int TRANSFER_RETRY_TICKS = 30;

    /** This node's replica of the group, as the driver sees it. Loop only. */
    public interface LocalGroup {
        /** The replica's status, if it is hosted here. */
        Optional<RaftStatus> status();

        /** On the leader: each member's match index. */
        Map<NodeId, Long> matchIndexes();

        /** Proposes one change; see {@code GroupHost#changeMembership}. */
        ChangeResult change(MembershipChange change, Consumer<ProposalOutcome> done);

        /** Hands leadership to {@code target}; see {@code GroupHost#transferLeadership}. */
        boolean transferLeadership(NodeId target);
    }

    private final NodeId self;
    private final LocalGroup group;
    private int inFlightTicks;
    private boolean inFlight;
    private int transferCooldownTicks;

    /** Leadership transfers attempted, which picks the next successor to try. */
    private int transfers;

    /**
     * @param self the node this driver runs on: as leader it removes itself last
     * @param group this node's replica of the group
     */
    public MembershipDriver(NodeId self, LocalGroup group) {
        this.self = self;
        this.group = group;
    }

    /**
     * One step toward {@code wanted}, the node ids the latest config lists for the group: if this
     * node leads and no change is in flight, hands leadership to a {@link #successor} if {@code
     * wanted} lacks this node, else proposes the next change.
     */
    public void tick(SortedSet<NodeId> wanted) {
        if (transferCooldownTicks > 0) {
            transferCooldownTicks--;
        }
        if (inFlight && ++inFlightTicks < IN_FLIGHT_TICKS_MAX) {
            return;
        }
        inFlight = false;
        Optional<RaftStatus> status = group.status().filter(s -> s.role() == Role.LEADER);
        if (status.isEmpty() || wanted.isEmpty()) {
            return;
        }
        if (!wanted.contains(self) && transferCooldownTicks == 0) {
            Optional<NodeId> successor =
                    successor(
                            status.get().membership(),
                            wanted,
                            group.matchIndexes(),
                            status.get().commitIndex(),
                            transfers);
            if (successor.isPresent() && group.transferLeadership(successor.get())) {
                transfers++;
                transferCooldownTicks = TRANSFER_RETRY_TICKS;
                return; // the successor drives the rest
            }
        }
        Optional<MembershipChange> next =
                nextChange(
                        status.get().membership(),
                        wanted,
                        group.matchIndexes(),
                        status.get().commitIndex(),
                        self);
        if (next.isEmpty()) {
            return;
        }
        ChangeResult result = group.change(next.get(), outcome -> inFlight = false);
        if (result instanceof ProposeResult.Accepted) {
            inFlight = true;
            inFlightTicks = 0;
        }
        // Refused or NotLeader: planned again at the next tick, from what the log then says.
    }

    /**
     * The wanted voter to hand leadership to, for a leader the config no longer wants: one as close
     * to the commit index as a learner must be to be promoted. Of several, the {@code attempt}-th
     * in the order of their match indexes (highest first, then by id), so that a successor that is
     * down is not the only one ever tried. Empty if none has caught up. Pure, so it is tested on
     * its own.
     */
    static Optional<NodeId> successor(
            Membership actual,
            Set<NodeId> wanted,
            Map<NodeId, Long> matches,
            long commitIndex,
            int attempt) {
        List<NodeId> caughtUp =
                actual.voters().stream()
                        .filter(wanted::contains)
                        .filter(voter -> caughtUp(matches.getOrDefault(voter, 0L), commitIndex))
                        .sorted(
                                Comparator.comparing((NodeId voter) -> -matches.get(voter))
                                        .thenComparing(Comparator.naturalOrder()))
                        .toList();
        return caughtUp.isEmpty()
                ? Optional.empty()
                : Optional.of(caughtUp.get(Math.floorMod(attempt, caughtUp.size())));
    }

    /** Whether a replica at {@code match} is close enough to vote, or to lead. */
    private static boolean caughtUp(long match, long commitIndex) {
        return match > 0 && match + PROMOTION_LAG_MAX >= commitIndex;
    }

    /**
     * The next single-server change from {@code actual} toward {@code wanted}, or empty if they
     * agree. Pure, so it is tested on its own.
     *
     * @param matches each member's match index, as the leader knows it
     * @param commitIndex the leader's commit index
     * @param leader the node proposing: removed last, after every other unwanted voter
     */
    static Optional<MembershipChange> nextChange(
            Membership actual,
            Set<NodeId> wanted,
            Map<NodeId, Long> matches,
            long commitIndex,
            NodeId leader) {
        for (NodeId learner : actual.learners()) {
            if (!wanted.contains(learner)) {
                return Optional.of(new MembershipChange.Remove(learner));
            }
        }
        for (NodeId learner : actual.learners()) {
            if (caughtUp(matches.getOrDefault(learner, 0L), commitIndex)) {
                return Optional.of(new MembershipChange.Promote(learner));
            }
        }
        for (NodeId node : wanted) {
            if (!actual.contains(node)) {
                return Optional.of(new MembershipChange.AddLearner(node));
            }
        }
        if (!actual.learners().isEmpty()) {
            return Optional.empty(); // wait for them to catch up before removing anyone
        }
        Optional<NodeId> unwanted =
                actual.voters().stream()
                        .filter(voter -> !wanted.contains(voter) && !voter.equals(leader))
                        .findFirst();
        if (unwanted.isEmpty() && !wanted.contains(leader) && actual.isVoter(leader)) {
            unwanted = Optional.of(leader);
        }
        return unwanted.map(MembershipChange.Remove::new);
    }
}
