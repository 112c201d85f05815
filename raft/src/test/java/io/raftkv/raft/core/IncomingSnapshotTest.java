package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class IncomingSnapshotTest {
    private static final SnapshotMeta META =
            new SnapshotMeta(12, 3, Membership.of(NodeId.of(1), NodeId.of(2), NodeId.of(3)));

    @Test
    void snapshotWithoutChunksIsEmpty() {
        Snapshot snapshot = new IncomingSnapshot(META).finish();

        assertThat(snapshot.meta()).isEqualTo(META);
        assertThat(snapshot.data()).isEmpty();
    }

    @Test
    void chunksAreJoinedInArrivalOrder() {
        IncomingSnapshot incoming = new IncomingSnapshot(META);

        incoming.append(new byte[] {1, 2});
        incoming.append(new byte[0]);
        incoming.append(new byte[] {3});

        assertThat(incoming.size()).isEqualTo(3);
        assertThat(incoming.finish().data()).containsExactly(1, 2, 3);
    }

    @Test
    void finishedSnapshotIsNotChangedByLaterChunks() {
        IncomingSnapshot incoming = new IncomingSnapshot(META);
        incoming.append(new byte[] {1, 2});
        Snapshot finished = incoming.finish();

        incoming.append(new byte[] {3, 4, 5});

        assertThat(finished.data()).containsExactly(1, 2);
    }

    @Test
    void randomChunkingsReassembleTheSameBytes() {
        SeededCases.forEachSeed(
                150_000,
                500,
                (seed, random) -> {
                    IncomingSnapshot incoming = new IncomingSnapshot(META);
                    ByteArrayOutputStream expected = new ByteArrayOutputStream();
                    int chunks = random.nextInt(0, 30);
                    for (int chunk = 0; chunk < chunks; chunk++) {
                        byte[] bytes = new byte[random.nextInt(0, 700)];
                        random.nextBytes(bytes);
                        incoming.append(bytes);
                        expected.writeBytes(bytes);
                    }

                    assertThat(incoming.size()).as("seed %d", seed).isEqualTo(expected.size());
                    assertThat(incoming.finish().data())
                            .as("seed %d", seed)
                            .isEqualTo(expected.toByteArray());
                });
    }
}
