package io.raftkv.raft.core;

import io.raftkv.common.Check;

/**
 * A state machine image at {@code meta.index()}, plus where it sits in the log. The data is the
 * state machine's own encoding; the core never looks inside it.
 */
public record Snapshot(SnapshotMeta meta, byte[] data) {
    public Snapshot {
        Check.argument(meta != null && data != null, "snapshot meta and data must be set");
    }

    public long index() {
        return meta.index();
    }

    public long term() {
        return meta.term();
    }

    @Override
    public String toString() {
        return "Snapshot[%d/%d, %dB]".formatted(meta.index(), meta.term(), data.length);
    }
}
