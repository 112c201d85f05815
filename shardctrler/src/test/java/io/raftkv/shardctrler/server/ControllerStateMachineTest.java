package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The controller state machine applied directly, one log index at a time: which joins it accepts,
 * how an unsafe recovery fences a group's lost replicas, and that a refusal is a value every
 * replica reaches byte for byte.
 */
class ControllerStateMachineTest {
    private static final int SHARDS = 10;

    private final ControllerStateMachine machine = new ControllerStateMachine(SHARDS);
    private long index;
    private long sequence;

    private static Member member(int node, String address) {
        return new Member(NodeId.of(node), address);
    }

    private static TreeMap<GroupId, List<Member>> group(int group, Member... members) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(GroupId.of(group), List.of(members));
        return groups;
    }

    private byte[] encoded(ControllerCommand command) {
        return ControllerCodec.encode(command);
    }

    private ControllerResult apply(ControllerCommand command) {
        return ControllerCodec.decodeResult((byte[]) machine.apply(++index, encoded(command)));
    }

    private ControllerResult join(TreeMap<GroupId, List<Member>> groups) {
        return apply(new ControllerCommand.Join(1, ++sequence, groups));
    }

    private ControllerResult leave(int group) {
        return apply(new ControllerCommand.Leave(1, ++sequence, List.of(GroupId.of(group))));
    }

    private ControllerResult unsafeRecover(int group, int survivor) {
        return apply(
                new ControllerCommand.UnsafeRecover(
                        1, ++sequence, GroupId.of(group), NodeId.of(survivor)));
    }

    private ControllerResult addReplica(int group, Member member) {
        return apply(new ControllerCommand.AddReplica(1, ++sequence, GroupId.of(group), member));
    }

    private static Recovery recovery(int survivor, int... fenced) {
        TreeSet<NodeId> nodes = new TreeSet<>();
        Arrays.stream(fenced).forEach(node -> nodes.add(NodeId.of(node)));
        return new Recovery(NodeId.of(survivor), nodes);
    }

    /** Asserts a refusal for {@code reason} whose message is {@code message}. */
    private void assertRejected(ControllerResult result, Reason reason, String message) {
        assertThat(result).isEqualTo(new ControllerResult.Rejected(reason, message));
        assertThat(message).doesNotContain("Member[", "node=", "address=", "[", "]");
    }

    @Test
    void aReturningGroupMayListItsMembersInAnotherOrder() {
        join(group(1, member(1, "a:1"), member(2, "b:2"), member(3, "c:3")));
        leave(1);
        assertThat(join(group(1, member(3, "c:3"), member(1, "a:1"), member(2, "b:2"))))
                .isEqualTo(new ControllerResult.Done(3));
        assertThat(machine.latest().groups().get(GroupId.of(1)))
                .containsExactlyInAnyOrder(member(1, "a:1"), member(2, "b:2"), member(3, "c:3"));
    }

    @Test
    void aReturningGroupWithOtherMembersIsRefusedNamingBothLists() {
        join(group(1, member(1, "a:1"), member(2, "b:2")));
        leave(1);
        assertRejected(
                join(group(1, member(1, "a:1"), member(3, "c:3"))),
                Reason.MEMBERS_CHANGED,
                "g1 was served by n1 at a:1 and n2 at b:2, not by n1 at a:1 and n3 at c:3;"
                        + " a returning group keeps its members");
        assertRejected(
                join(group(1, member(1, "a:1"), member(2, "b:9"))),
                Reason.MEMBERS_CHANGED,
                "g1 was served by n1 at a:1 and n2 at b:2, not by n1 at a:1 and n2 at b:9;"
                        + " a returning group keeps its members");
        assertThat(machine.latest().groups()).isEmpty();
    }

    @Test
    void aGroupListingOneNodeTwiceIsRefused() {
        assertRejected(
                join(group(1, member(1, "a:1"), member(3, "c:3"), member(3, "d:4"))),
                Reason.DUPLICATE_MEMBER,
                "g1 lists n3 twice, at c:3 and at d:4; a node is a member once");
        assertRejected(
                join(group(2, member(3, "c:3"), member(3, "c:3"))),
                Reason.DUPLICATE_MEMBER,
                "g2 lists n3 at c:3 twice; a node is a member once");
        assertThat(machine.latest().number()).isZero();
    }

    @Test
    void aGroupListingOneAddressForTwoNodesIsRefused() {
        assertRejected(
                join(group(1, member(1, "a:1"), member(2, "a:1"))),
                Reason.DUPLICATE_MEMBER,
                "g1 lists a:1 for both n1 and n2; one address serves one node");
        assertThat(machine.latest().number()).isZero();
    }

    @Test
    void aNodeKeepsItsAddressInEveryGroupOfTheLatestConfig() {
        join(group(1, member(1, "a:1"), member(2, "b:2")));
        assertRejected(
                join(group(2, member(2, "b:7"), member(3, "c:3"))),
                Reason.ADDRESS_CONFLICT,
                "n2 is at b:2 in g1 but at b:7 in g2; a node has one address");
        assertRejected(
                join(group(2, member(3, "b:2"))),
                Reason.ADDRESS_CONFLICT,
                "b:2 is n2 in g1 but n3 in g2; one address serves one node");
        assertThat(join(group(2, member(2, "b:2"), member(3, "c:3"))))
                .as("one node may serve two groups at one address")
                .isEqualTo(new ControllerResult.Done(2));
    }

    @Test
    void twoGroupsOfOneJoinAgreeOnAddressesToo() {
        TreeMap<GroupId, List<Member>> groups = group(1, member(1, "a:1"));
        groups.put(GroupId.of(2), List.of(member(1, "z:9")));
        assertRejected(
                join(groups),
                Reason.ADDRESS_CONFLICT,
                "n1 is at a:1 in g1 but at z:9 in g2; a node has one address");
        assertThat(machine.latest().number()).isZero();
    }

    @Test
    void aGroupThatLeftDoesNotHoldItsAddresses() {
        join(group(1, member(1, "a:1")));
        leave(1);
        assertThat(join(group(2, member(1, "moved:1"))))
                .as("only the latest config's groups are compared")
                .isEqualTo(new ControllerResult.Done(3));
    }

    @Test
    void everyReplicaRefusesTheSameJoinWithTheSameBytes() {
        List<ControllerCommand> commands =
                List.of(
                        new ControllerCommand.Join(
                                5, 1, group(1, member(1, "a:1"), member(2, "b:2"))),
                        new ControllerCommand.Join(
                                5, 2, group(2, member(2, "b:3"), member(4, "d:4"))),
                        new ControllerCommand.Join(
                                6, 1, group(3, member(5, "e:5"), member(5, "e:6"))),
                        new ControllerCommand.Leave(5, 3, List.of(GroupId.of(1))),
                        new ControllerCommand.Join(
                                5, 4, group(1, member(2, "b:2"), member(1, "a:1"))));
        ControllerStateMachine first = new ControllerStateMachine(SHARDS);
        ControllerStateMachine second = new ControllerStateMachine(SHARDS);
        for (int i = 0; i < commands.size(); i++) {
            byte[] command = encoded(commands.get(i));
            assertThat((byte[]) first.apply(i + 1, command))
                    .as("result of command %d", i + 1)
                    .isEqualTo((byte[]) second.apply(i + 1, command));
        }
        assertThat(Arrays.equals(first.snapshot(), second.snapshot())).isTrue();
        assertThat(first.latest().groups().keySet()).containsExactly(GroupId.of(1));
    }

    // ---------------------------------------------------------------- unsafe recovery

    /** g1 of n1, n2 and n3 (n1 and n2 claimed their replicas), and g2 of n4. */
    private void joinTwoGroups() {
        TreeMap<GroupId, List<Member>> groups =
                group(1, member(1, "a:1"), member(2, "b:2"), member(3, "c:3"));
        groups.put(GroupId.of(2), List.of(member(4, "d:4")));
        join(groups);
        apply(new ControllerCommand.Claim(2, 1, GroupId.of(1), NodeId.of(1), 11));
        apply(new ControllerCommand.Claim(2, 2, GroupId.of(1), NodeId.of(2), 22));
    }

    @Test
    void anUnsafeRecoveryKeepsOnlyTheSurvivorAndFencesEveryOtherReplica() {
        joinTwoGroups();
        ShardConfig before = machine.latest();
        assertThat(unsafeRecover(1, 2)).isEqualTo(new ControllerResult.Done(2));
        ShardConfig after = machine.latest();
        assertThat(after.groups().get(GroupId.of(1))).containsExactly(member(2, "b:2"));
        assertThat(after.groups().get(GroupId.of(2))).isEqualTo(before.groups().get(GroupId.of(2)));
        assertThat(after.owners()).as("shards stay put").isEqualTo(before.owners());
        assertThat(after.recoveries()).containsOnlyKeys(GroupId.of(1));
        assertThat(after.recovery(GroupId.of(1))).contains(recovery(2, 1, 3));
        ReplicaHistory history = machine.replicaHistory();
        assertThat(history.isRetired(GroupId.of(1), NodeId.of(1))).isTrue();
        assertThat(history.isRetired(GroupId.of(1), NodeId.of(3)))
                .as("a founder that never claimed is retired too")
                .isTrue();
        assertThat(history.isRetired(GroupId.of(1), NodeId.of(2))).isFalse();
        assertThat(history.claimant(GroupId.of(1), NodeId.of(2))).hasValue(22);
        assertThat(history.claimant(GroupId.of(1), NodeId.of(1))).isEmpty();
    }

    @Test
    void aFencedNodeNeverRejoinsButANewNodeMayAndTheRecoveryStays() {
        joinTwoGroups();
        unsafeRecover(1, 2);
        assertRejected(
                addReplica(1, member(3, "c:3")),
                Reason.RETIRED,
                "a replica id is never reused: n3 served g1 before; use a new node id");
        assertThat(addReplica(1, member(5, "e:5"))).isEqualTo(new ControllerResult.Done(3));
        assertThat(machine.latest().groups().get(GroupId.of(1)))
                .containsExactly(member(2, "b:2"), member(5, "e:5"));
        assertThat(machine.latest().recovery(GroupId.of(1))).contains(recovery(2, 1, 3));
        leave(1);
        assertThat(machine.latest().groups()).doesNotContainKey(GroupId.of(1));
        assertThat(machine.latest().recovery(GroupId.of(1)))
                .as("a recovery outlives its group")
                .contains(recovery(2, 1, 3));
    }

    @Test
    void aSecondRecoveryFencesWhatTheFirstDidAndTheOldSurvivor() {
        joinTwoGroups();
        unsafeRecover(1, 2);
        addReplica(1, member(5, "e:5"));
        assertThat(unsafeRecover(1, 5)).isEqualTo(new ControllerResult.Done(4));
        assertThat(machine.latest().groups().get(GroupId.of(1))).containsExactly(member(5, "e:5"));
        assertThat(machine.latest().recovery(GroupId.of(1))).contains(recovery(5, 1, 2, 3));
        assertThat(machine.replicaHistory().isRetired(GroupId.of(1), NodeId.of(2))).isTrue();
    }

    @Test
    void aRetriedRecoveryIsAlreadyDoneWithoutANewConfig() {
        joinTwoGroups();
        ControllerCommand recover =
                new ControllerCommand.UnsafeRecover(1, ++sequence, GroupId.of(1), NodeId.of(2));
        assertThat(apply(recover)).isEqualTo(new ControllerResult.Done(2));
        assertThat(apply(recover)).as("the same command").isEqualTo(new ControllerResult.Done(2));
        assertThat(unsafeRecover(1, 2))
                .as("a new command for the same recovery")
                .isEqualTo(new ControllerResult.Done(2));
        assertThat(machine.latest().number()).isEqualTo(2);
    }

    @Test
    void aGroupThatNeverHadAnotherNodeHasNothingToRecoverFrom() {
        join(group(1, member(1, "a:1")));
        assertThat(unsafeRecover(1, 1)).isEqualTo(new ControllerResult.Done(1));
        assertThat(machine.latest().number()).isEqualTo(1);
        assertThat(machine.latest().recoveries()).isEmpty();
    }

    @Test
    void aRecoveryOfAnUnknownGroupOrToANonMemberIsRefused() {
        joinTwoGroups();
        assertRejected(unsafeRecover(9, 1), Reason.UNKNOWN_GROUP, "g9 is not in config 1");
        assertRejected(unsafeRecover(1, 4), Reason.NOT_A_MEMBER, "n4 is not a replica of g1");
        assertThat(machine.latest().number()).isEqualTo(1);
        assertThat(machine.latest().recoveries()).isEmpty();
    }

    @Test
    void aSnapshotKeepsRecoveriesAndTheFencedReplicasRetired() {
        joinTwoGroups();
        unsafeRecover(1, 2);
        ControllerStateMachine restored = new ControllerStateMachine(SHARDS);
        restored.restore(machine.snapshot());
        assertThat(restored.latest()).isEqualTo(machine.latest());
        assertThat(restored.latest().recovery(GroupId.of(1))).contains(recovery(2, 1, 3));
        assertThat(restored.config(1).recoveries()).isEmpty();
        assertThat(restored.snapshot()).isEqualTo(machine.snapshot());
        byte[] add =
                encoded(
                        new ControllerCommand.AddReplica(
                                1, ++sequence, GroupId.of(1), member(1, "a:1")));
        assertThat(ControllerCodec.decodeResult((byte[]) restored.apply(++index, add)))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(Reason.RETIRED));
    }
}
