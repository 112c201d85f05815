package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.Access;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The controller's replica commands applied directly: which claims it grants, how add, remove,
 * replace and drain change a group's members (and nothing else), that a removed replica id is never
 * reused, and that all of it survives a snapshot byte for byte.
 */
class ControllerReplicaTest {
    private static final int SHARDS = 10;
    private static final long CLIENT = 1;

    private ControllerStateMachine machine = new ControllerStateMachine(SHARDS);
    private long index;
    private long sequence;

    /** Node {@code node} at {@code h:700<node>}. */
    private static Member member(int node) {
        return new Member(NodeId.of(node), "h:" + (7000 + node));
    }

    private static NodeId node(int node) {
        return NodeId.of(node);
    }

    private static GroupId group(int group) {
        return GroupId.of(group);
    }

    private static List<Member> members(int... nodes) {
        List<Member> members = new ArrayList<>();
        for (int node : nodes) {
            members.add(member(node));
        }
        return members;
    }

    private static List<NodeId> nodes(int... values) {
        List<NodeId> nodes = new ArrayList<>();
        for (int value : values) {
            nodes.add(node(value));
        }
        return nodes;
    }

    private ControllerResult apply(ControllerCommand command) {
        return ControllerCodec.decodeResult(
                (byte[]) machine.apply(++index, ControllerCodec.encode(command)));
    }

    private ControllerResult join(int group, int... nodes) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(group(group), members(nodes));
        return apply(new ControllerCommand.Join(CLIENT, ++sequence, groups));
    }

    private ControllerResult leave(int group) {
        return apply(new ControllerCommand.Leave(CLIENT, ++sequence, List.of(group(group))));
    }

    private ControllerResult claim(int group, int node, long incarnation) {
        return apply(
                new ControllerCommand.Claim(
                        CLIENT, ++sequence, group(group), node(node), incarnation));
    }

    private ControllerResult add(int group, Member member) {
        return apply(new ControllerCommand.AddReplica(CLIENT, ++sequence, group(group), member));
    }

    private ControllerResult remove(int group, int node) {
        return apply(
                new ControllerCommand.RemoveReplica(CLIENT, ++sequence, group(group), node(node)));
    }

    private ControllerResult replace(int group, int old, Member replacement) {
        return apply(
                new ControllerCommand.ReplaceReplica(
                        CLIENT, ++sequence, group(group), node(old), replacement));
    }

    private ControllerResult drain(int node) {
        return apply(new ControllerCommand.Drain(CLIENT, ++sequence, node(node)));
    }

    private List<Member> membersOf(int group) {
        return machine.latest().groups().get(group(group));
    }

    /** Asserts a refusal for {@code reason} whose message is {@code message}, in words. */
    private static void assertRejected(ControllerResult result, Reason reason, String message) {
        assertThat(result).isEqualTo(new ControllerResult.Rejected(reason, message));
        assertThat(message).doesNotContain("Member[", "node=", "address=", "[", "]", "Replica");
    }

    // ---------------------------------------------------------------- claims

    @Test
    void aClaimOfAGroupThatNeverJoinedIsUnknown() {
        assertRejected(claim(101, 3, 77), Reason.UNKNOWN_GROUP, "g101 has never joined");
    }

    @Test
    void aClaimByANodeThatIsNotAMemberIsRefused() {
        join(101, 1, 2);
        assertRejected(claim(101, 3, 77), Reason.NOT_A_MEMBER, "n3 is not a replica of g101");
    }

    @Test
    void aFounderClaimsAFoundingReplicaAndAnAddedMemberDoesNot() {
        join(101, 2, 1);
        add(101, member(3));
        assertThat(claim(101, 1, 77)).isEqualTo(new ControllerResult.Claimed(true, nodes(1, 2)));
        assertThat(claim(101, 3, 78)).isEqualTo(new ControllerResult.Claimed(false, nodes(1, 2)));
        assertThat(machine.latest().number()).as("a claim makes no config").isEqualTo(2);
    }

    @Test
    void aClaimIsIdempotentForItsIncarnationAndRefusedForAnother() {
        join(101, 1, 2, 3);
        assertThat(claim(101, 3, 77)).isEqualTo(new ControllerResult.Claimed(true, nodes(1, 2, 3)));
        assertThat(claim(101, 3, 77)).isEqualTo(new ControllerResult.Claimed(true, nodes(1, 2, 3)));
        assertRejected(
                claim(101, 3, 78),
                Reason.CLAIMED_ELSEWHERE,
                "the replica of g101 on n3 was started by another data directory; a node without"
                        + " its data is a new node: replace n3 with a new node id");
        assertThat(machine.latest().number()).isEqualTo(1);
    }

    @Test
    void theMembersOfAGroupThatLeftStillClaimTheirReplicas() {
        join(101, 1, 2);
        leave(101);
        assertThat(claim(101, 2, 5)).isEqualTo(new ControllerResult.Claimed(true, nodes(1, 2)));
        assertRejected(claim(101, 3, 5), Reason.NOT_A_MEMBER, "n3 is not a replica of g101");
    }

    @Test
    void aReturningGroupKeepsItsOriginalFounders() {
        join(101, 1, 2);
        add(101, member(3));
        remove(101, 1);
        leave(101);
        assertThat(join(101, 3, 2)).isInstanceOf(ControllerResult.Done.class);
        assertThat(claim(101, 2, 5)).isEqualTo(new ControllerResult.Claimed(true, nodes(1, 2)));
        assertThat(claim(101, 3, 6)).isEqualTo(new ControllerResult.Claimed(false, nodes(1, 2)));
    }

    @Test
    void removingAReplicaForgetsItsClaimAndRetiresIt() {
        join(101, 1, 2);
        claim(101, 2, 5);
        remove(101, 2);
        assertThat(machine.replicaHistory().claimant(group(101), node(2))).isEmpty();
        assertThat(machine.replicaHistory().isRetired(group(101), node(2))).isTrue();
        assertRejected(claim(101, 2, 5), Reason.NOT_A_MEMBER, "n2 is not a replica of g101");
    }

    @Test
    void onlyTheClusterNodesMayClaimAndOnlyAdminsChangeMembers() {
        assertThat(access(new ControllerCommand.Claim(1, 1, group(1), node(1), 7)))
                .contains(Access.PEER);
        assertThat(access(new ControllerCommand.AddReplica(1, 1, group(1), member(1))))
                .contains(Access.ADMIN);
        assertThat(access(new ControllerCommand.RemoveReplica(1, 1, group(1), node(1))))
                .contains(Access.ADMIN);
        assertThat(access(new ControllerCommand.ReplaceReplica(1, 1, group(1), node(1), member(2))))
                .contains(Access.ADMIN);
        assertThat(access(new ControllerCommand.Drain(1, 1, node(1)))).contains(Access.ADMIN);
        assertThat(access(new ControllerCommand.UnsafeRecover(1, 1, group(1), node(1))))
                .contains(Access.ADMIN);
    }

    private Optional<Access> access(ControllerCommand command) {
        return machine.commandAccess(ControllerCodec.encode(command));
    }

    // ---------------------------------------------------------------- add and remove

    @Test
    void aJoinListsMembersSortedByNodeId() {
        join(101, 3, 1, 2);
        assertThat(membersOf(101)).containsExactlyElementsOf(members(1, 2, 3));
    }

    @Test
    void addingAReplicaChangesOnlyItsGroupsMembersInOneConfig() {
        join(101, 1, 5);
        join(102, 6);
        ShardConfig before = machine.latest();
        assertThat(add(101, member(3))).isEqualTo(new ControllerResult.Done(3));
        assertThat(membersOf(101)).containsExactlyElementsOf(members(1, 3, 5));
        assertThat(machine.latest().owners()).isEqualTo(before.owners());
        assertThat(membersOf(102)).isEqualTo(before.groups().get(group(102)));
    }

    @Test
    void addingIsRefusedForAnUnknownGroupOrAnExistingMember() {
        join(101, 1, 2);
        assertRejected(add(102, member(3)), Reason.UNKNOWN_GROUP, "g102 is not in config 1");
        assertRejected(
                add(101, new Member(node(2), "elsewhere:1")),
                Reason.MEMBER_EXISTS,
                "n2 at h:7002 is already a replica of g101");
        leave(101);
        assertRejected(add(101, member(3)), Reason.UNKNOWN_GROUP, "g101 is not in config 2");
    }

    @Test
    void aRemovedReplicaIdIsNeverAddedAgain() {
        join(101, 1, 2, 3);
        assertThat(remove(101, 3)).isEqualTo(new ControllerResult.Done(2));
        assertRejected(
                add(101, member(3)),
                Reason.RETIRED,
                "a replica id is never reused: n3 served g101 before; use a new node id");
        assertThat(join(102, 3))
                .as("the node may serve other groups")
                .isInstanceOf(ControllerResult.Done.class);
    }

    @Test
    void addingKeepsOneAddressPerNodeAndOneNodePerAddress() {
        join(101, 1, 2);
        join(102, 3);
        assertRejected(
                add(101, new Member(node(3), "moved:1")),
                Reason.ADDRESS_CONFLICT,
                "n3 is at h:7003 in g102 but at moved:1 in g101; a node has one address");
        assertRejected(
                add(101, new Member(node(4), "h:7003")),
                Reason.ADDRESS_CONFLICT,
                "h:7003 is n3 in g102 but n4 in g101; one address serves one node");
        assertRejected(
                add(102, new Member(node(4), "h:7003")),
                Reason.ADDRESS_CONFLICT,
                "h:7003 is n3 in g102 but n4 in g102; one address serves one node");
        assertThat(machine.latest().number()).isEqualTo(2);
    }

    @Test
    void aGroupHasAtMostMembersMaxMembers() {
        int[] full = new int[ControllerCommand.MEMBERS_MAX];
        for (int i = 0; i < full.length; i++) {
            full[i] = i + 1;
        }
        join(101, full);
        assertRejected(
                add(101, member(99)),
                Reason.TOO_MANY_MEMBERS,
                "g101 already has 15 members, the most a group may have; n99 at h:7099 cannot join"
                        + " it");
    }

    @Test
    void removingARefusesNonMembersTheLastMemberAndUnknownGroups() {
        join(101, 1, 2);
        assertRejected(remove(101, 3), Reason.NOT_A_MEMBER, "n3 is not a replica of g101");
        assertRejected(remove(102, 1), Reason.UNKNOWN_GROUP, "g102 is not in config 1");
        assertThat(remove(101, 1)).isEqualTo(new ControllerResult.Done(2));
        assertRejected(
                remove(101, 2),
                Reason.LAST_MEMBER,
                "n2 is the last replica of g101; a group's last replica goes when the group"
                        + " leaves");
        assertThat(membersOf(101)).containsExactlyElementsOf(members(2));
    }

    @Test
    void removingKeepsOwnersAndTheOtherGroups() {
        join(101, 1, 2, 3);
        join(102, 4);
        ShardConfig before = machine.latest();
        remove(101, 2);
        assertThat(machine.latest().owners()).isEqualTo(before.owners());
        assertThat(membersOf(101)).containsExactlyElementsOf(members(1, 3));
        assertThat(membersOf(102)).containsExactlyElementsOf(members(4));
    }

    // ---------------------------------------------------------------- replace

    @Test
    void replacingMakesOneConfigWithTheOldReplicaRetired() {
        join(101, 1, 2, 3);
        ShardConfig before = machine.latest();
        assertThat(replace(101, 2, member(9))).isEqualTo(new ControllerResult.Done(2));
        assertThat(membersOf(101)).containsExactlyElementsOf(members(1, 3, 9));
        assertThat(machine.latest().owners()).isEqualTo(before.owners());
        assertRejected(
                add(101, member(2)),
                Reason.RETIRED,
                "a replica id is never reused: n2 served g101 before; use a new node id");
    }

    @Test
    void aRetriedReplaceIsDoneWithoutAnotherConfig() {
        join(101, 1, 2, 3);
        replace(101, 2, member(9));
        assertThat(
                        apply(
                                new ControllerCommand.ReplaceReplica(
                                        2, 1, group(101), node(2), member(9))))
                .as("the same replace from another client")
                .isEqualTo(new ControllerResult.Done(2));
        assertThat(machine.latest().number()).isEqualTo(2);
    }

    @Test
    void replacingRefusesWhatAddingAndRemovingRefuse() {
        join(101, 1, 2, 3);
        join(102, 4);
        remove(101, 3);
        assertRejected(replace(103, 1, member(9)), Reason.UNKNOWN_GROUP, "g103 is not in config 3");
        assertRejected(
                replace(101, 7, member(9)), Reason.NOT_A_MEMBER, "n7 is not a replica of g101");
        assertRejected(
                replace(101, 1, member(2)),
                Reason.MEMBER_EXISTS,
                "n2 at h:7002 is already a replica of g101");
        assertRejected(
                replace(101, 1, member(3)),
                Reason.RETIRED,
                "a replica id is never reused: n3 served g101 before; use a new node id");
        assertRejected(
                replace(101, 1, new Member(node(1), "new-disk:1")),
                Reason.RETIRED,
                "a replica id is never reused: n1 cannot replace itself in g101; use a new node"
                        + " id");
        assertRejected(
                replace(101, 1, new Member(node(9), "h:7004")),
                Reason.ADDRESS_CONFLICT,
                "h:7004 is n4 in g102 but n9 in g101; one address serves one node");
        assertThat(machine.latest().number()).isEqualTo(3);
    }

    @Test
    void aReplacementMayTakeTheAddressTheOldReplicaFrees() {
        join(101, 1, 2);
        assertThat(replace(101, 2, new Member(node(9), "h:7002")))
                .isEqualTo(new ControllerResult.Done(2));
        assertThat(membersOf(101)).containsExactly(member(1), new Member(node(9), "h:7002"));
    }

    @Test
    void aGroupsOnlyReplicaMayBeReplaced() {
        join(101, 1);
        assertThat(replace(101, 1, member(2))).isEqualTo(new ControllerResult.Done(2));
        assertThat(membersOf(101)).containsExactlyElementsOf(members(2));
    }

    // ---------------------------------------------------------------- drain

    @Test
    void drainingMovesEachReplicaToTheLeastLoadedNodeCountingEarlierMoves() {
        join(1, 1, 2, 3);
        join(2, 1, 3, 5);
        join(3, 2, 4, 6);
        ShardConfig before = machine.latest();
        // Counts: n1, n2, n3 serve 2 groups; n4, n5, n6 one. g1 takes n4 (lowest of 4, 5, 6);
        // then n4 serves 2, so g2 takes n6 (1) over n2 and n4 (2 each).
        assertThat(drain(1)).isEqualTo(new ControllerResult.Done(4));
        assertThat(membersOf(1)).containsExactlyElementsOf(members(2, 3, 4));
        assertThat(membersOf(2)).containsExactlyElementsOf(members(3, 5, 6));
        assertThat(membersOf(3)).isEqualTo(before.groups().get(group(3)));
        assertThat(machine.latest().owners()).isEqualTo(before.owners());
        assertThat(machine.replicaHistory().isRetired(group(1), node(1))).isTrue();
        assertThat(machine.replicaHistory().isRetired(group(2), node(1))).isTrue();
    }

    @Test
    void drainingSkipsANodeThatServedTheGroupBefore() {
        join(1, 1, 2, 3);
        join(2, 3, 4);
        remove(1, 3);
        // n3 and n4 each serve one group; n3 would win the tie, but it served g1 before.
        assertThat(drain(1)).isEqualTo(new ControllerResult.Done(4));
        assertThat(membersOf(1)).containsExactlyElementsOf(members(2, 4));
    }

    @Test
    void drainingWithNoNodeToMoveToIsRefusedNamingTheGroup() {
        join(1, 1, 2);
        join(2, 1, 2);
        assertRejected(
                drain(1),
                Reason.NO_TARGET,
                "no node can take n1's replica of g1: every other node of config 2 serves g1 or"
                        + " served it before");
        assertThat(drain(2))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(Reason.NO_TARGET));
        assertThat(machine.latest().number()).isEqualTo(2);
        assertThat(machine.replicaHistory().isRetired(group(1), node(1))).isFalse();
    }

    @Test
    void drainingANodeInNoGroupIsDoneWithoutAConfig() {
        join(1, 1, 2);
        assertThat(drain(7)).isEqualTo(new ControllerResult.Done(1));
        assertThat(machine.latest().number()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- determinism and snapshots

    private static List<ControllerCommand> history() {
        TreeMap<GroupId, List<Member>> first = new TreeMap<>();
        first.put(group(1), members(3, 1, 2));
        first.put(group(2), members(4, 5));
        TreeMap<GroupId, List<Member>> third = new TreeMap<>();
        third.put(group(3), members(6));
        return List.of(
                new ControllerCommand.Join(5, 1, first),
                new ControllerCommand.Claim(11, 1, group(1), node(1), 100),
                new ControllerCommand.Claim(12, 1, group(1), node(2), 200),
                new ControllerCommand.Claim(13, 1, group(2), node(4), 400),
                new ControllerCommand.Join(5, 2, third),
                new ControllerCommand.AddReplica(5, 3, group(2), member(7)),
                new ControllerCommand.ReplaceReplica(5, 4, group(1), node(2), member(8)),
                new ControllerCommand.RemoveReplica(5, 5, group(2), node(5)),
                new ControllerCommand.Claim(12, 2, group(1), node(8), 800),
                new ControllerCommand.Claim(14, 1, group(1), node(1), 101),
                new ControllerCommand.Drain(6, 1, node(4)),
                new ControllerCommand.AddReplica(6, 2, group(1), member(2)),
                new ControllerCommand.Leave(5, 6, List.of(group(3))),
                new ControllerCommand.Claim(15, 1, group(3), node(6), 600));
    }

    @Test
    void twoReplicasFedTheSameCommandsAnswerAndSnapshotTheSameBytes() {
        ControllerStateMachine first = new ControllerStateMachine(SHARDS);
        ControllerStateMachine second = new ControllerStateMachine(SHARDS);
        List<ControllerCommand> commands = history();
        for (int i = 0; i < commands.size(); i++) {
            byte[] command = ControllerCodec.encode(commands.get(i));
            assertThat((byte[]) first.apply(i + 1, command))
                    .as("result of command %d", i + 1)
                    .isEqualTo((byte[]) second.apply(i + 1, command));
        }
        assertThat(first.snapshot()).isEqualTo(second.snapshot());
        assertThat(first.latest().number()).isEqualTo(7);
    }

    @Test
    void aSnapshotKeepsClaimsFoundersAndRetiredReplicas() {
        List<ControllerCommand> commands = history();
        for (ControllerCommand command : commands) {
            apply(command);
        }
        byte[] snapshot = machine.snapshot();
        machine = new ControllerStateMachine(SHARDS);
        machine.restore(snapshot);
        assertThat(machine.snapshot()).isEqualTo(snapshot);
        assertRejected(
                claim(1, 1, 999),
                Reason.CLAIMED_ELSEWHERE,
                "the replica of g1 on n1 was started by another data directory; a node without"
                        + " its data is a new node: replace n1 with a new node id");
        assertThat(claim(1, 8, 800)).isEqualTo(new ControllerResult.Claimed(false, nodes(1, 2, 3)));
        assertThat(claim(3, 6, 600)).isEqualTo(new ControllerResult.Claimed(true, nodes(6)));
        assertRejected(
                add(2, member(5)),
                Reason.RETIRED,
                "a replica id is never reused: n5 served g2 before; use a new node id");
        assertThat(machine.replicaHistory().claimant(group(2), node(4)))
                .as("drained away, the claim is forgotten")
                .isEmpty();
    }
}
