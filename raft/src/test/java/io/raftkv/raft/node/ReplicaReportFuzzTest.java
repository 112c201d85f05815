package io.raftkv.raft.node;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Memberships (in membership entries, from a leader) and replica reports (in status answers, from
 * any node) decode or are refused with {@link IllegalArgumentException}, within bounded memory.
 */
class ReplicaReportFuzzTest {
    private static final NodeId N1 = NodeId.of(1);
    private static final NodeId N2 = NodeId.of(2);
    private static final NodeId N3 = NodeId.of(3);
    private static final NodeId N4 = NodeId.of(4);

    private static final List<Membership> MEMBERSHIPS =
            List.of(
                    Membership.of(N1),
                    Membership.of(N1, N2, N3),
                    new Membership(List.of(N1, N2, N3), List.of(N4)));

    @Test
    void membershipsDecodeOrAreRefused() {
        DecoderFuzz.of(
                        "Membership.decode",
                        MEMBERSHIPS.stream().map(Membership::encode).toList(),
                        LengthCoding.BIG_ENDIAN_INT,
                        Membership::decode)
                .reencodedBy(Membership::encode)
                .run(12_000_000, 4_000);
    }

    @Test
    void replicaReportsDecodeOrAreRefused() {
        List<byte[]> corpus =
                List.of(
                        new ReplicaReport(
                                        N1,
                                        Role.LEADER,
                                        7,
                                        Optional.of(N1),
                                        120,
                                        118,
                                        MEMBERSHIPS.get(2),
                                        new TreeMap<>(Map.of(N1, 120L, N2, 120L, N4, 80L)))
                                .encode(),
                        new ReplicaReport(
                                        N3,
                                        Role.FOLLOWER,
                                        2,
                                        Optional.empty(),
                                        0,
                                        0,
                                        MEMBERSHIPS.get(0),
                                        new TreeMap<>())
                                .encode());
        DecoderFuzz.of(
                        "ReplicaReport.decode",
                        corpus,
                        LengthCoding.BIG_ENDIAN_INT,
                        ReplicaReport::decode)
                .reencodedBy(ReplicaReport::encode)
                .run(13_000_000, 4_000);
    }
}
