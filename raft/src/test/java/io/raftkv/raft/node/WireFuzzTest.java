package io.raftkv.raft.node;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.WireCodec;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import io.raftkv.raft.host.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Frames from the wire, fuzzed: the node protocol's frames ({@link RaftWire}) and a codec of every
 * collection and value kind a frame may carry decode or are refused with {@link
 * IllegalArgumentException}, allocating in proportion to the frame.
 */
class WireFuzzTest {
    private static final NodeId N1 = NodeId.of(1);
    private static final NodeId N2 = NodeId.of(2);
    private static final GroupId G1 = GroupId.of(1);

    /**
     * Kryo builds records by reflection and boxes their fields: a frame of 300 one-byte entries
     * allocates about 30 bytes a byte.
     */
    private static final int KRYO_ALLOCATION_PER_INPUT_BYTE = 48;

    enum Shade {
        LIGHT,
        DARK
    }

    /** Every kind of value the codec has a serializer for, with value equality. */
    record Bag(
            List<Object> list,
            Set<Object> set,
            Map<Object, Object> map,
            String text,
            Shade shade) {}

    record Pair(Object left, Object right) {}

    @Test
    void nodeFramesDecodeOrAreRefused() {
        WireCodec codec = RaftWire.codec();
        List<byte[]> corpus = nodeFrames().map(codec::encode).toList();
        DecoderFuzz.of("RaftWire frames", corpus, LengthCoding.VARINT, codec::decode)
                .reencodedBy(codec::encode)
                .allocatingPerInputByte(KRYO_ALLOCATION_PER_INPUT_BYTE)
                .run(10_000_000, 16_000);
    }

    @Test
    void collectionsAndValuesDecodeOrAreRefused() {
        WireCodec codec = new WireCodec(List.of(Shade.class, Bag.class, Pair.class), 1 << 16);
        List<byte[]> corpus = bags().map(codec::encode).toList();
        DecoderFuzz.of("WireCodec collections", corpus, LengthCoding.VARINT, codec::decode)
                .roundTripsEqualBy(codec::encode)
                .allocatingPerInputByte(KRYO_ALLOCATION_PER_INPUT_BYTE)
                .run(11_000_000, 8_000);
    }

    private static Stream<Object> nodeFrames() {
        List<Message> messages = messages();
        List<Envelope> envelopes = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            envelopes.add(new Envelope(GroupId.of(i % 3), messages.get(i)));
        }
        return Stream.of(
                        Stream.<Object>of(
                                new RaftFrame(N1, envelopes),
                                new RaftFrame(N2, List.of()),
                                new RaftFrame(N1, List.of(new Envelope(G1, manyEntries())))),
                        envelopes.stream().map(envelope -> new RaftFrame(N2, List.of(envelope))),
                        Stream.<Object>of(
                                new ClientRequest.Propose(7, G1, new byte[] {1, 2, 3}),
                                new ClientRequest.Read(8, G1),
                                new ClientRequest.Status(9, G1),
                                new ClientReply.Applied(7, 12, new byte[] {4}),
                                new ClientReply.Value(8, new byte[0]),
                                new ClientReply.NotLeader(9, 2),
                                new ClientReply.Unknown(10, 0),
                                new ClientReply.Overloaded(11, "too many proposals"),
                                new ClientReply.Invalid(12, "ünïcødé reason ✓")))
                .flatMap(stream -> stream);
    }

    /** A long frame, so that allocation in proportion to the input is measured too. */
    private static Message manyEntries() {
        List<Entry> entries = new ArrayList<>();
        for (int index = 1; index <= 300; index++) {
            entries.add(Entry.command(index, 1, new byte[] {(byte) index}));
        }
        return new Message.AppendEntries(N1, N2, 1, 0, 0, entries, 0);
    }

    private static List<Message> messages() {
        SnapshotMeta meta = new SnapshotMeta(9, 2, Membership.of(N1, N2, NodeId.of(3)));
        return List.of(
                new Message.RequestVote(N1, N2, 3, 9, 2, true, false),
                new Message.RequestVoteResponse(N2, N1, 3, true, true),
                new Message.AppendEntries(
                        N1,
                        N2,
                        3,
                        9,
                        2,
                        List.of(Entry.command(10, 3, new byte[] {5, 6}), Entry.noop(11, 3)),
                        9),
                new Message.AppendEntries(N1, N2, 3, 11, 3, List.of(), 11),
                new Message.AppendEntriesResponse(N2, N1, 3, false, 0, 9, 2, 4),
                new Message.Heartbeat(N1, N2, 3, 11, 5, false),
                new Message.HeartbeatResponse(N2, N1, 3, 5),
                new Message.InstallSnapshot(N1, N2, 3, meta, 0, new byte[] {7, 8, 9}, true),
                new Message.InstallSnapshotResponse(N2, N1, 3, 9, 3, true, 9),
                new Message.TimeoutNow(N1, N2, 4));
    }

    private static Stream<Object> bags() {
        return Stream.of(
                new Bag(List.of(), Set.of(), Map.of(), null, null),
                new Bag(
                        new ArrayList<>(List.of(1, "two", 3L)),
                        Set.of(N1, N2),
                        Map.of("a", 1, "b", List.of(N2)),
                        "text",
                        Shade.DARK),
                new Bag(
                        List.of(new Pair(N1, G1), new Pair(null, List.of(List.of()))),
                        Set.of("ünï"),
                        Map.of(G1, Set.of(true, false)),
                        "",
                        Shade.LIGHT),
                new Pair(new Pair(new Pair(1, 2), 3), Map.of(4, 5)));
    }
}
