package io.raftkv.raft.core;

import io.raftkv.common.Check;
import java.util.Arrays;

/** A snapshot a follower is receiving chunk by chunk. */
final class IncomingSnapshot {
    private final SnapshotMeta meta;
    private byte[] data = new byte[0];
    private int size;

    IncomingSnapshot(SnapshotMeta meta) {
        this.meta = meta;
    }

    SnapshotMeta meta() {
        return meta;
    }

    long size() {
        return size;
    }

    void append(byte[] chunk) {
        if (size + chunk.length > data.length) {
            data = Arrays.copyOf(data, Math.max(size + chunk.length, data.length * 2));
        }
        System.arraycopy(chunk, 0, data, size, chunk.length);
        size += chunk.length;
    }

    Snapshot finish() {
        Check.that(size <= data.length, "snapshot buffer overrun");
        return new Snapshot(meta, Arrays.copyOf(data, size));
    }
}
