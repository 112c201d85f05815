package io.raftkv.shardkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.MembershipChange.AddLearner;
import io.raftkv.raft.core.MembershipChange.Promote;
import io.raftkv.raft.core.MembershipChange.Remove;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The membership driver's plan: one change at a time, never lowering redundancy first. */
class MembershipDriverTest {
    private static final NodeId N1 = NodeId.of(1);
    private static final NodeId N2 = NodeId.of(2);
    private static final NodeId N3 = NodeId.of(3);
    private static final NodeId N4 = NodeId.of(4);
    private static final NodeId N5 = NodeId.of(5);

    @Test
    void aReplaceAddsALearnerPromotesItOnceCaughtUpAndOnlyThenRemovesTheOldVoter() {
        Set<NodeId> wanted = Set.of(N1, N2, N4);
        Membership founders = Membership.of(N1, N2, N3);
        assertThat(plan(founders, wanted, Map.of(), 100)).hasValue(new AddLearner(N4));

        Membership withLearner = new Membership(List.of(N1, N2, N3), List.of(N4));
        assertThat(plan(withLearner, wanted, Map.of(N4, 10L), 100))
                .as("behind: nothing yet")
                .isEmpty();
        assertThat(plan(withLearner, wanted, Map.of(N4, 40L), 100)).hasValue(new Promote(N4));

        assertThat(plan(Membership.of(N1, N2, N3, N4), wanted, Map.of(), 100))
                .hasValue(new Remove(N3));
        assertThat(plan(Membership.of(N1, N2, N4), wanted, Map.of(), 100)).isEmpty();
    }

    @Test
    void aLearnerThatNeverAnsweredIsNeverPromotedEvenOnAShortLog() {
        Membership withDeadLearner = new Membership(List.of(N1, N2, N3), List.of(N4));

        assertThat(plan(withDeadLearner, Set.of(N1, N2, N4), Map.of(N4, 0L), 3)).isEmpty();
    }

    @Test
    void aLearnerNoLongerWantedIsRemovedFirst() {
        Membership withDeadLearner = new Membership(List.of(N1, N2, N3), List.of(N4));

        assertThat(plan(withDeadLearner, Set.of(N1, N2, N5), Map.of(), 100))
                .hasValue(new Remove(N4));
    }

    @Test
    void theLeaderRemovesItselfLastAfterTheOtherUnwantedVoters() {
        Membership five = Membership.of(N1, N2, N3, N4, N5);

        assertThat(plan(five, Set.of(N3, N4, N5), Map.of(), 100)).hasValue(new Remove(N2));
        assertThat(plan(Membership.of(N1, N3, N4, N5), Set.of(N3, N4, N5), Map.of(), 100))
                .hasValue(new Remove(N1));
    }

    @Test
    void anUnwantedLeaderHandsOverToTheMostCaughtUpWantedVoterThenTheNextInTurn() {
        Membership founders = Membership.of(N1, N2, N3);
        Map<NodeId, Long> matches = Map.of(N2, 90L, N3, 95L);

        assertThat(MembershipDriver.successor(founders, Set.of(N2, N3, N4), matches, 100, 0))
                .hasValue(N3);
        assertThat(MembershipDriver.successor(founders, Set.of(N2, N3, N4), matches, 100, 1))
                .as("the second attempt, in case n3 is down")
                .hasValue(N2);
    }

    @Test
    void noSuccessorIsALearnerAVoterTooFarBehindOrOneThatNeverAnswered() {
        Membership withLearner = new Membership(List.of(N1, N2, N3), List.of(N4));
        Map<NodeId, Long> matches = Map.of(N2, 0L, N3, 10L, N4, 100L);

        assertThat(MembershipDriver.successor(withLearner, Set.of(N2, N3, N4), matches, 100, 0))
                .isEmpty();
    }

    private static Optional<MembershipChange> plan(
            Membership actual, Set<NodeId> wanted, Map<NodeId, Long> matches, long commit) {
        return MembershipDriver.nextChange(actual, wanted, matches, commit, N1);
    }
}
