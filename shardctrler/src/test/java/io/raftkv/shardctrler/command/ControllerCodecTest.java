package io.raftkv.shardctrler.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.Binary;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The controller's binary forms: exact round trips, and a clear refusal of anything malformed. */
class ControllerCodecTest {
    private static final TreeMap<GroupId, List<Member>> TWO_GROUPS = new TreeMap<>();

    static {
        TWO_GROUPS.put(
                GroupId.of(1),
                List.of(new Member(NodeId.of(1), "a:1"), new Member(NodeId.of(2), "b:2")));
        TWO_GROUPS.put(GroupId.of(2), List.of(new Member(NodeId.of(3), "c:3")));
    }

    private static final List<ControllerCommand> COMMANDS =
            List.of(
                    new ControllerCommand.Join(7, 1, TWO_GROUPS),
                    new ControllerCommand.Leave(7, 2, List.of(GroupId.of(1), GroupId.of(2))),
                    new ControllerCommand.Move(7, 3, 9, GroupId.of(2)),
                    new ControllerCommand.Claim(8, 1, GroupId.of(1), NodeId.of(2), -5),
                    new ControllerCommand.AddReplica(
                            7, 4, GroupId.of(1), new Member(NodeId.of(4), "d:4")),
                    new ControllerCommand.RemoveReplica(7, 5, GroupId.of(1), NodeId.of(1)),
                    new ControllerCommand.ReplaceReplica(
                            7, 6, GroupId.of(2), NodeId.of(3), new Member(NodeId.of(5), "é:5")),
                    new ControllerCommand.Drain(7, 7, NodeId.of(2)),
                    new ControllerCommand.UnsafeRecover(7, 8, GroupId.of(1), NodeId.of(2)));

    @Test
    void commandsRoundTrip() {
        for (ControllerCommand command : COMMANDS) {
            assertThat(ControllerCodec.decodeCommand(ControllerCodec.encode(command)))
                    .isEqualTo(command);
        }
    }

    @Test
    void resultsRoundTrip() {
        ShardConfig config =
                new ShardConfig(
                        3, List.of(GroupId.of(1), GroupId.of(2), GroupId.of(1)), TWO_GROUPS);
        List<ControllerResult> results =
                List.of(
                        new ControllerResult.Done(12),
                        new ControllerResult.Config(config),
                        new ControllerResult.Config(ShardConfig.initial(64)),
                        new ControllerResult.Config(recovered()),
                        new ControllerResult.Rejected(
                                ControllerResult.Reason.UNKNOWN_GROUP, "g9 is not in config 3"),
                        new ControllerResult.Claimed(true, List.of(NodeId.of(1), NodeId.of(2))),
                        new ControllerResult.Claimed(false, List.of(NodeId.of(7))));
        for (ControllerResult result : results) {
            assertThat(ControllerCodec.decodeResult(ControllerCodec.encode(result)))
                    .isEqualTo(result);
        }
    }

    private static Recovery recovery(int survivor, int... fenced) {
        TreeSet<NodeId> nodes = new TreeSet<>();
        Arrays.stream(fenced).forEach(node -> nodes.add(NodeId.of(node)));
        return new Recovery(NodeId.of(survivor), nodes);
    }

    private static ShardConfig recovered() {
        TreeMap<GroupId, Recovery> recoveries = new TreeMap<>();
        recoveries.put(GroupId.of(1), recovery(2, 1, 7));
        recoveries.put(
                GroupId.of(9),
                recovery(
                        3,
                        IntStream.rangeClosed(100, 100 + 2 * ControllerCommand.MEMBERS_MAX)
                                .toArray()));
        return new ShardConfig(
                4, List.of(GroupId.of(1), GroupId.of(2), GroupId.of(1)), TWO_GROUPS, recoveries);
    }

    @Test
    void configsWithAndWithoutRecoveriesRoundTrip() {
        for (ShardConfig config :
                List.of(
                        recovered(),
                        ShardConfig.initial(3),
                        recovered().next(recovered().owners(), TWO_GROUPS))) {
            byte[] bytes = Binary.write((byte) 1, out -> ControllerCodec.writeConfig(out, config));
            assertThat(Binary.read((byte) 1, bytes, ControllerCodec::readConfig)).isEqualTo(config);
        }
        assertThat(recovered().next(recovered().owners(), TWO_GROUPS).recoveries())
                .as("a next config carries the recoveries forward")
                .isEqualTo(recovered().recoveries());
    }

    @Test
    void aConfigWithoutRecoveriesKeepsTheBytesItHadBeforeRecoveries() {
        byte[] before =
                Binary.write(
                        (byte) 1,
                        out -> {
                            out.writeByte(2); // a Config result
                            out.writeLong(3);
                            out.writeInt(3);
                            for (int owner : new int[] {1, 2, 1}) {
                                out.writeInt(owner);
                            }
                            out.writeInt(2);
                            out.writeInt(1);
                            out.writeInt(2);
                            out.writeInt(1);
                            out.writeUTF("a:1");
                            out.writeInt(2);
                            out.writeUTF("b:2");
                            out.writeInt(2);
                            out.writeInt(1);
                            out.writeInt(3);
                            out.writeUTF("c:3");
                        });
        ShardConfig config =
                new ShardConfig(
                        3, List.of(GroupId.of(1), GroupId.of(2), GroupId.of(1)), TWO_GROUPS);
        assertThat(ControllerCodec.decodeResult(before))
                .isEqualTo(new ControllerResult.Config(config));
        assertThat(ControllerCodec.encode(new ControllerResult.Config(config))).isEqualTo(before);
    }

    /**
     * A Config result in format 2: config 4 of one unassigned shard and no groups, then {@code
     * recoveries} written as i32s (count, then group, survivor, fenced count, fenced nodes...).
     */
    private static byte[] formatTwo(int... recoveries) {
        ByteBuffer bytes =
                ByteBuffer.allocate(1 + 1 + 8 + 8 + 4 + 4 + 4 + 4 * recoveries.length)
                        .put((byte) 1)
                        .put((byte) 2)
                        .putLong(-2)
                        .putLong(4)
                        .putInt(1)
                        .putInt(0)
                        .putInt(0);
        for (int value : recoveries) {
            bytes.putInt(value);
        }
        return bytes.array();
    }

    @Test
    void formatTwoIsPinnedAndARecoveryNeedNotNameAServingGroup() {
        TreeMap<GroupId, Recovery> recoveries = new TreeMap<>();
        recoveries.put(GroupId.of(5), recovery(3, 1, 2));
        ShardConfig config =
                new ShardConfig(4, List.of(ShardConfig.UNASSIGNED), new TreeMap<>(), recoveries);
        byte[] bytes = formatTwo(1, 5, 3, 2, 1, 2);
        assertThat(ControllerCodec.decodeResult(bytes))
                .isEqualTo(new ControllerResult.Config(config));
        assertThat(ControllerCodec.encode(new ControllerResult.Config(config))).isEqualTo(bytes);
    }

    @Test
    void malformedRecoveriesAreRefused() {
        assertRefused(formatTwo(0), "a config in format 2 has recoveries");
        assertRefused(formatTwo(1, 5, 3, 2, 2, 1), "fenced nodes of g5 out of order");
        assertRefused(formatTwo(1, 5, 3, 2, 1, 1), "fenced nodes of g5 out of order");
        assertRefused(formatTwo(1, 5, 3, 2, 1, 3), "the survivor n3 cannot be fenced");
        assertRefused(formatTwo(1, 5, 3, 0, 0), "a recovery fences 1 to 1000 nodes, not 0");
        assertRefused(formatTwo(2, 6, 3, 1, 1, 5, 3, 1, 1), "recovery of g5 out of order");
        assertRefused(formatTwo(2, 5, 3, 1, 1, 5, 3, 1, 1), "recovery of g5 out of order");
        assertRefused(formatTwo(1, 0, 3, 1, 1), "group 0 is the controller");
        int[] tooMany = new int[4 + Recovery.FENCED_MAX + 1];
        tooMany[0] = 1;
        tooMany[1] = 5;
        tooMany[2] = 3;
        tooMany[3] = Recovery.FENCED_MAX + 1;
        for (int i = 4; i < tooMany.length; i++) {
            tooMany[i] = i;
        }
        assertRefused(formatTwo(tooMany), "bad count 1001");
    }

    @Test
    void aConfigStartingWithAnUnknownFormatIsRefused() {
        for (long marker : new long[] {-1, -3, Long.MIN_VALUE}) {
            byte[] bytes = formatTwo(1, 5, 3, 1, 1);
            ByteBuffer.wrap(bytes).putLong(2, marker);
            assertRefused(bytes, "unknown config format " + marker);
        }
    }

    private static void assertRefused(byte[] result, String message) {
        assertThatThrownBy(() -> ControllerCodec.decodeResult(result))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void everyReasonKeepsTheByteItIsEncodedAs() {
        List<ControllerResult.Reason> pinned =
                List.of(
                        ControllerResult.Reason.GROUP_EXISTS,
                        ControllerResult.Reason.UNKNOWN_GROUP,
                        ControllerResult.Reason.SHARD_OUT_OF_RANGE,
                        ControllerResult.Reason.STALE_SEQUENCE,
                        ControllerResult.Reason.MALFORMED,
                        ControllerResult.Reason.MEMBERS_CHANGED,
                        ControllerResult.Reason.FORBIDDEN,
                        ControllerResult.Reason.DUPLICATE_MEMBER,
                        ControllerResult.Reason.ADDRESS_CONFLICT,
                        ControllerResult.Reason.NOT_A_MEMBER,
                        ControllerResult.Reason.CLAIMED_ELSEWHERE,
                        ControllerResult.Reason.MEMBER_EXISTS,
                        ControllerResult.Reason.RETIRED,
                        ControllerResult.Reason.LAST_MEMBER,
                        ControllerResult.Reason.NO_TARGET,
                        ControllerResult.Reason.TOO_MANY_MEMBERS);
        assertThat(ControllerResult.Reason.values())
                .as("results in snapshots and old clients read reasons by byte: append only")
                .containsExactlyElementsOf(pinned);
        for (ControllerResult.Reason reason : pinned) {
            ControllerResult rejected = new ControllerResult.Rejected(reason, "n3 at h:1");
            byte[] bytes = ControllerCodec.encode(rejected);
            assertThat(bytes[2]).as("byte of %s", reason).isEqualTo((byte) pinned.indexOf(reason));
            assertThat(ControllerCodec.decodeResult(bytes)).isEqualTo(rejected);
        }
    }

    @Test
    void aClaimedAnswerWithAnythingButZeroOrOneForFoundingIsRefused() {
        byte[] bytes =
                ControllerCodec.encode(new ControllerResult.Claimed(true, List.of(NodeId.of(1))));
        bytes[2] = 2;
        assertThatThrownBy(() -> ControllerCodec.decodeResult(bytes))
                .hasMessageContaining("bad boolean");
    }

    @Test
    void aReplicaCommandForTheControllerGroupIsRefused() {
        byte[] bytes =
                ControllerCodec.encode(
                        new ControllerCommand.RemoveReplica(7, 5, GroupId.of(1), NodeId.of(1)));
        bytes[18 + 3] = 0; // the group id's low byte: g0
        assertThatThrownBy(() -> ControllerCodec.decodeCommand(bytes))
                .hasMessageContaining("group 0 is the controller");
    }

    @Test
    void everyTruncationOfACommandIsRefused() {
        for (ControllerCommand command : COMMANDS) {
            byte[] bytes = ControllerCodec.encode(command);
            for (int length = 0; length < bytes.length; length++) {
                byte[] truncated = Arrays.copyOf(bytes, length);
                assertThatThrownBy(() -> ControllerCodec.decodeCommand(truncated))
                        .as("%s cut at %d", command, length)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void trailingBytesUnknownKindsAndVersionsAreRefused() {
        byte[] bytes = ControllerCodec.encode(COMMANDS.get(2));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> ControllerCodec.decodeCommand(longer))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] unknownVersion = bytes.clone();
        unknownVersion[0] = 9;
        assertThatThrownBy(() -> ControllerCodec.decodeCommand(unknownVersion))
                .hasMessageContaining("version");
        byte[] unknownKind = bytes.clone();
        unknownKind[17] = 42;
        assertThatThrownBy(() -> ControllerCodec.decodeCommand(unknownKind))
                .hasMessageContaining("kind");
    }

    @Test
    void hugeCountsAreRefusedBeforeAllocating() {
        byte[] bytes =
                ByteBuffer.allocate(22)
                        .put((byte) 1)
                        .putLong(7)
                        .putLong(1)
                        .put((byte) 2)
                        .putInt(Integer.MAX_VALUE)
                        .array();
        assertThatThrownBy(() -> ControllerCodec.decodeCommand(bytes))
                .hasMessageContaining("bad count");
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButIllegalArgument() {
        long seed = Long.getLong("unit.seed", 77);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0) {
                bytes[0] = 1;
            }
            try {
                ControllerCodec.decodeCommand(bytes);
            } catch (IllegalArgumentException expected) {
                // refused: fine
            }
        }
    }

    @Test
    void theStateMachineAnswersAMalformedCommandWithARejection() {
        ControllerStateMachine machine = new ControllerStateMachine(10);
        assertThat(machine.isValidCommand(new byte[] {1, 2, 3})).isFalse();
        byte[] answer = (byte[]) machine.apply(1, new byte[] {1, 2, 3});
        assertThat(ControllerCodec.decodeResult(answer))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        rejected ->
                                assertThat(rejected.reason())
                                        .isEqualTo(ControllerResult.Reason.MALFORMED));
        assertThat(machine.latest().number()).isZero();
    }

    @Test
    void aSnapshotRestoresConfigsAndSessions() {
        ControllerStateMachine machine = new ControllerStateMachine(10);
        machine.apply(1, ControllerCodec.encode(COMMANDS.get(0)));
        machine.apply(2, ControllerCodec.encode(COMMANDS.get(2)));
        ControllerStateMachine restored = new ControllerStateMachine(10);
        restored.restore(machine.snapshot());
        assertThat(restored.latest()).isEqualTo(machine.latest());
        assertThat(restored.config(1)).isEqualTo(machine.config(1));
        byte[] retried = (byte[]) restored.apply(3, ControllerCodec.encode(COMMANDS.get(2)));
        assertThat(ControllerCodec.decodeResult(retried)).isEqualTo(new ControllerResult.Done(2));
        assertThat(restored.latest().number())
                .as("a retry after restore is not applied again")
                .isEqualTo(2);
    }
}
