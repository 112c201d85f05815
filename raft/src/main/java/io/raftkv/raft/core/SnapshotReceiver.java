package io.raftkv.raft.core;

import io.raftkv.raft.core.Message.InstallSnapshot;
import java.util.Optional;

/**
 * A follower's side of a snapshot transfer: assembles the chunks of one snapshot at a time, in
 * order, up to a size bound. A chunk at offset 0 starts over; any other chunk must continue exactly
 * where the last one ended, or it is refused with the offset expected.
 */
final class SnapshotReceiver {
    /** The offset to ask for next, and the whole snapshot once its last chunk arrived. */
    record Receipt(long nextOffset, Optional<Snapshot> completed) {}

    private final long bytesMax;
    private Optional<IncomingSnapshot> incoming = Optional.empty();

    SnapshotReceiver(long bytesMax) {
        this.bytesMax = bytesMax;
    }

    /** Forgets a transfer in progress. */
    void reset() {
        incoming = Optional.empty();
    }

    Receipt accept(InstallSnapshot request) {
        if (request.offset() == 0) {
            incoming = Optional.of(new IncomingSnapshot(request.meta()));
        }
        long expectedOffset =
                incoming.filter(in -> in.meta().equals(request.meta()))
                        .map(IncomingSnapshot::size)
                        .orElse(0L);
        boolean fits = expectedOffset + request.chunk().length <= bytesMax;
        if (request.offset() != expectedOffset || incoming.isEmpty() || !fits) {
            return new Receipt(fits ? expectedOffset : 0, Optional.empty());
        }
        IncomingSnapshot snapshot = incoming.get();
        snapshot.append(request.chunk());
        if (!request.last()) {
            return new Receipt(snapshot.size(), Optional.empty());
        }
        incoming = Optional.empty();
        return new Receipt(snapshot.size(), Optional.of(snapshot.finish()));
    }
}
