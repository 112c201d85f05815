package io.raftkv.shardkv.server;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.ProposalOutcome;
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
 * <p>The plan ({@link #nextChange}): a learner the config no longer wants is removed; a wanted
 * learner that has caught up is promoted; a wanted node that is no replica yet is added as a
 * learner; and only once every wanted node votes are voters the config dropped removed, this leader
 * last. So a replacement never lowers the group's redundancy, and a replacement that never catches
 * up (a dead or mistyped node) leaves the old voters serving until the operator replaces it in
 * turn.
 */
final class MembershipDriver {
    /**
     * How far behind the commit index a learner may be and still be promoted; it must also have
     * acknowledged something, so a learner that never answered (a dead or mistyped node) is never
     * made a voter whose absence would then count against the quorum.
     */
    static final long PROMOTION_LAG_MAX = 64;

    /** Drives without an answer after which a change in flight is given up on. */
    private static final int IN_FLIGHT_TICKS_MAX = 100;

    /** This node's replica of the group, as the driver sees it. Loop only. */
    interface LocalGroup {
        /** The replica's status, if it is hosted here. */
        Optional<RaftStatus> status();

        /** On the leader: each member's match index. */
        Map<NodeId, Long> matchIndexes();

        /** Proposes one change; see {@code GroupHost#changeMembership}. */
        ChangeResult change(MembershipChange change, Consumer<ProposalOutcome> done);
    }

    private final NodeId self;
    private final LocalGroup group;
    private int inFlightTicks;
    private boolean inFlight;

    MembershipDriver(NodeId self, LocalGroup group) {
        this.self = self;
        this.group = group;
    }

    /**
     * One step toward {@code wanted}, the node ids the latest config lists for the group: proposes
     * the next change if this node leads and none is in flight.
     */
    void tick(SortedSet<NodeId> wanted) {
        if (inFlight && ++inFlightTicks < IN_FLIGHT_TICKS_MAX) {
            return;
        }
        inFlight = false;
        Optional<RaftStatus> status = group.status().filter(s -> s.role() == Role.LEADER);
        if (status.isEmpty() || wanted.isEmpty()) {
            return;
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
            long match = matches.getOrDefault(learner, 0L);
            if (match > 0 && match + PROMOTION_LAG_MAX >= commitIndex) {
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
