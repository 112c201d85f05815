package io.raftkv.shardctrler.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The controller's decoders fuzzed from valid encodings: commands, queries, results and the state
 * machine's snapshot decode or are refused with {@link IllegalArgumentException}, allocating in
 * proportion to their input.
 */
class ControllerCodecFuzzTest {
    private static final int SHARDS = 10;

    private static final List<ControllerCommand> COMMANDS =
            List.of(
                    new ControllerCommand.Join(7, 1, groups(1, 2)),
                    new ControllerCommand.Join(8, 1, groups(3)),
                    new ControllerCommand.Join(9, 1, groups(11, 12, 13, 14, 15, 16, 17, 18, 19)),
                    new ControllerCommand.Leave(7, 2, List.of(GroupId.of(1), GroupId.of(2))),
                    new ControllerCommand.Move(7, 3, 9, GroupId.of(2)),
                    new ControllerCommand.Claim(10, 1, GroupId.of(3), NodeId.of(30), 42),
                    new ControllerCommand.Claim(11, 1, GroupId.of(3), NodeId.of(31), -42),
                    new ControllerCommand.AddReplica(
                            8, 2, GroupId.of(3), new Member(NodeId.of(35), "h-35:1")),
                    new ControllerCommand.ReplaceReplica(
                            8, 3, GroupId.of(3), NodeId.of(31), new Member(NodeId.of(36), "ü:2")),
                    new ControllerCommand.RemoveReplica(8, 4, GroupId.of(3), NodeId.of(30)),
                    new ControllerCommand.Drain(8, 5, NodeId.of(110)),
                    new ControllerCommand.UnsafeRecover(8, 6, GroupId.of(3), NodeId.of(35)));

    private static TreeMap<GroupId, List<Member>> groups(int... ids) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        for (int id : ids) {
            groups.put(
                    GroupId.of(id),
                    List.of(
                            new Member(NodeId.of(10 * id), "host-%d:%d".formatted(id, 7000 + id)),
                            new Member(NodeId.of(10 * id + 1), "ünïcødé-%d:1".formatted(id))));
        }
        return groups;
    }

    /** {@code config} with g1 recovered to n10 and g9 (which never joined) to n90. */
    private static ShardConfig recovered(ShardConfig config) {
        TreeMap<GroupId, Recovery> recoveries = new TreeMap<>();
        recoveries.put(GroupId.of(1), new Recovery(NodeId.of(10), new TreeSet<>(nodes(11, 12))));
        recoveries.put(GroupId.of(9), new Recovery(NodeId.of(90), new TreeSet<>(nodes(91))));
        return new ShardConfig(config.number(), config.owners(), config.groups(), recoveries);
    }

    private static List<NodeId> nodes(int... ids) {
        return Arrays.stream(ids).mapToObj(NodeId::of).toList();
    }

    @Test
    void commandsDecodeOrAreRefused() {
        DecoderFuzz.of(
                        "ControllerCodec.decodeCommand",
                        COMMANDS.stream().map(ControllerCodec::encode).toList(),
                        LengthCoding.BIG_ENDIAN_INT,
                        ControllerCodec::decodeCommand)
                .reencodedBy(ControllerCodec::encode)
                .run(20_000_000, 10_000);
    }

    @Test
    void queriesDecodeOrAreRefused() {
        DecoderFuzz.of(
                        "ControllerCodec.decodeQuery",
                        List.of(ControllerCodec.encodeQuery(-1), ControllerCodec.encodeQuery(5)),
                        LengthCoding.BIG_ENDIAN_INT,
                        ControllerCodec::decodeQuery)
                .reencodedBy(ControllerCodec::encodeQuery)
                .run(21_000_000, 2_000);
    }

    @Test
    void resultsDecodeOrAreRefused() {
        ShardConfig config =
                ShardConfig.initial(SHARDS)
                        .next(Collections.nCopies(SHARDS, GroupId.of(1)), groups(1, 2));
        List<byte[]> corpus =
                Stream.of(
                                new ControllerResult.Done(12),
                                new ControllerResult.Config(config),
                                new ControllerResult.Config(ShardConfig.initial(SHARDS)),
                                new ControllerResult.Config(recovered(config)),
                                new ControllerResult.Rejected(
                                        ControllerResult.Reason.UNKNOWN_GROUP, "g9 is not ✓"),
                                new ControllerResult.Claimed(
                                        true, List.of(NodeId.of(10), NodeId.of(11))))
                        .map(ControllerCodec::encode)
                        .toList();
        DecoderFuzz.of(
                        "ControllerCodec.decodeResult",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        ControllerCodec::decodeResult)
                .reencodedBy(ControllerCodec::encode)
                .run(22_000_000, 10_000);
    }

    @Test
    void snapshotsRestoreOrAreRefused() {
        ControllerStateMachine busy = new ControllerStateMachine(SHARDS);
        for (int i = 0; i < COMMANDS.size(); i++) {
            busy.apply(i + 1, ControllerCodec.encode(COMMANDS.get(i)));
        }
        assertThat(busy.latest().recoveries())
                .as("a config in format 2 in the corpus")
                .isNotEmpty();
        List<byte[]> corpus =
                List.of(busy.snapshot(), new ControllerStateMachine(SHARDS).snapshot());
        DecoderFuzz.of(
                        "ControllerStateMachine.restore",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        ControllerCodecFuzzTest::restored)
                .reencodedBy(ControllerStateMachine::snapshot)
                .run(23_000_000, 5_000);
    }

    private static ControllerStateMachine restored(byte[] snapshot) {
        ControllerStateMachine machine = new ControllerStateMachine(SHARDS);
        machine.restore(snapshot);
        return machine;
    }
}
