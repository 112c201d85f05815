package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * One single-server membership change (Raft thesis section 4.1): a learner joins, a learner becomes
 * a voter, or a replica leaves. Replacing a voter is a learner added, caught up, promoted, and the
 * old voter removed: four changes, each committed before the next is proposed.
 */
public sealed interface MembershipChange {
    /** The node this change is about. */
    NodeId node();

    /**
     * The membership after this change. Throws {@link IllegalArgumentException}, naming why, if the
     * change does not apply to {@code current}.
     */
    Membership applyTo(Membership current);

    /** Adds a non-voting replica that receives the log. */
    record AddLearner(NodeId node) implements MembershipChange {
        @Override
        public Membership applyTo(Membership current) {
            if (current.contains(node)) {
                throw new IllegalArgumentException(
                        "%s is already a replica (%s)".formatted(node, current));
            }
            List<NodeId> learners = new ArrayList<>(current.learners());
            learners.add(node);
            return new Membership(current.voters(), learners);
        }
    }

    /** Makes a learner a voter. */
    record Promote(NodeId node) implements MembershipChange {
        @Override
        public Membership applyTo(Membership current) {
            if (!current.isLearner(node)) {
                throw new IllegalArgumentException(
                        "%s is not a learner (%s)".formatted(node, current));
            }
            List<NodeId> voters = new ArrayList<>(current.voters());
            voters.add(node);
            List<NodeId> learners = new ArrayList<>(current.learners());
            learners.remove(node);
            return new Membership(voters, learners);
        }
    }

    /** Removes a voter or a learner; the last voter cannot be removed. */
    record Remove(NodeId node) implements MembershipChange {
        @Override
        public Membership applyTo(Membership current) {
            if (!current.contains(node)) {
                throw new IllegalArgumentException(
                        "%s is not a replica (%s)".formatted(node, current));
            }
            if (current.isSoleVoter(node)) {
                throw new IllegalArgumentException("%s is the last voter".formatted(node));
            }
            List<NodeId> voters = new ArrayList<>(current.voters());
            voters.remove(node);
            List<NodeId> learners = new ArrayList<>(current.learners());
            learners.remove(node);
            return new Membership(voters, learners);
        }
    }
}
