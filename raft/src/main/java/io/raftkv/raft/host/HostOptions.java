package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.RaftOptions;

/**
 * Tuning of a group host.
 *
 * @param raft options of every replica on this host
 * @param snapshotEntries take a snapshot once this many entries follow the last one
 * @param snapshotLogBytes or once the entries after it hold this many bytes
 * @param inboundMax envelopes buffered between rounds (they wait while a storage write is in
 *     flight); past it they are dropped and counted (Raft tolerates lost messages)
 * @param inboundBytesMax or once the buffered envelopes hold this many bytes ({@link
 *     Message#sizeBytes()}); an empty buffer takes an envelope of any size
 * @param pendingReadBytesMax the bytes of the reads one group may hold, waiting for confirmation or
 *     for the state machine to catch up: each counts its request and {@link #READ_OVERHEAD_BYTES};
 *     past it, or past {@link RaftOptions#pendingReadsMax()} reads, a read is Overloaded
 */
public record HostOptions(
        RaftOptions raft,
        int snapshotEntries,
        long snapshotLogBytes,
        int inboundMax,
        long inboundBytesMax,
        long pendingReadBytesMax) {
    /** Bytes a pending read counts for besides its request: its callback and bookkeeping. */
    public static final int READ_OVERHEAD_BYTES = 64;

    public HostOptions {
        Check.argument(snapshotEntries >= 1 && snapshotLogBytes >= 1, "snapshot triggers < 1");
        Check.argument(inboundMax >= 1 && inboundBytesMax >= 1, "inbound bounds < 1");
        Check.argument(pendingReadBytesMax >= 1, "pendingReadBytesMax < 1");
    }

    /**
     * The defaults: an inbound buffer of 100,000 envelopes or 64 MiB (four full frames), and 16 MiB
     * of pending reads per group.
     */
    public static HostOptions defaults() {
        return new HostOptions(
                RaftOptions.defaults().withQuiescence(true),
                10_000,
                64L << 20,
                100_000,
                64L << 20,
                16L << 20);
    }

    public HostOptions withRaft(RaftOptions options) {
        return new HostOptions(
                options,
                snapshotEntries,
                snapshotLogBytes,
                inboundMax,
                inboundBytesMax,
                pendingReadBytesMax);
    }

    public HostOptions withSnapshotLogBytes(long bytes) {
        return new HostOptions(
                raft, snapshotEntries, bytes, inboundMax, inboundBytesMax, pendingReadBytesMax);
    }

    public HostOptions withSnapshotEntries(int entries) {
        return new HostOptions(
                raft, entries, snapshotLogBytes, inboundMax, inboundBytesMax, pendingReadBytesMax);
    }

    /** These options with other bounds on the inbound buffer and on pending reads. */
    public HostOptions withBufferBounds(int inbound, long inboundBytes, long pendingReadBytes) {
        return new HostOptions(
                raft, snapshotEntries, snapshotLogBytes, inbound, inboundBytes, pendingReadBytes);
    }
}
