package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.raft.core.RaftOptions;

/**
 * Tuning of a group host.
 *
 * @param raft options of every replica on this host
 * @param snapshotEntries take a snapshot once this many entries follow the last one
 * @param snapshotLogBytes or once the entries after it hold this many bytes
 * @param inboundMax envelopes buffered while a storage write is in flight; past it they are dropped
 *     (Raft tolerates lost messages)
 */
public record HostOptions(
        RaftOptions raft, int snapshotEntries, long snapshotLogBytes, int inboundMax) {
    public HostOptions {
        Check.argument(snapshotEntries >= 1 && snapshotLogBytes >= 1, "snapshot triggers < 1");
        Check.argument(inboundMax >= 1, "inboundMax must be positive");
    }

    public static HostOptions defaults() {
        return new HostOptions(
                RaftOptions.defaults().withQuiescence(true), 10_000, 64L << 20, 100_000);
    }

    public HostOptions withRaft(RaftOptions options) {
        return new HostOptions(options, snapshotEntries, snapshotLogBytes, inboundMax);
    }

    public HostOptions withSnapshotLogBytes(long bytes) {
        return new HostOptions(raft, snapshotEntries, bytes, inboundMax);
    }

    public HostOptions withSnapshotEntries(int entries) {
        return new HostOptions(raft, entries, snapshotLogBytes, inboundMax);
    }
}
