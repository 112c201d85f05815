package io.raftkv.shardctrler.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The controller state machine applied directly, one log index at a time: which joins it accepts,
 * and how it words a refusal.
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
}
