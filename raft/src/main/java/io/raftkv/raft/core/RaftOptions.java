package io.raftkv.raft.core;

import io.raftkv.common.Check;

/**
 * Tuning of one replica. Times are in ticks (the host ticks every {@code tickMillis}); sizes are
 * bounds, never targets.
 *
 * @param heartbeatTicks a leader sends heartbeats this often
 * @param electionTicksMin a follower's election timeout is drawn from [min, max); check-quorum and
 *     the pre-vote lease use min
 * @param electionTicksMax see electionTicksMin
 * @param preVote campaign in a pre-vote round first (thesis section 9.6)
 * @param checkQuorum a leader steps down when it has not heard from a quorum for electionTicksMin
 * @param inflightMessagesMax appends in flight to one follower
 * @param inflightBytesMax entry bytes in flight to one follower
 * @param entriesPerMessageMax entries in one AppendEntries
 * @param bytesPerMessageMax entry bytes in one AppendEntries (at least one entry is always sent)
 * @param commandBytesMax the largest command {@link RaftReplica#propose} takes; a larger one is
 *     {@link ProposeResult.TooLarge}, on every replica, since no leader will ever take it
 * @param uncommittedEntriesMax proposals past this many uncommitted entries are Overloaded
 * @param uncommittedBytesMax proposals that would take the uncommitted entries past this many bytes
 *     ({@link Entry#sizeBytes()}) are Overloaded, unless none is uncommitted: then any command up
 *     to commandBytesMax is taken, so no command waits for a bound it can never meet
 * @param pendingReadsMax reads waiting for confirmation past this are Overloaded; they carry no
 *     bytes here (the host bounds the bytes of what waits with them)
 * @param applyBytesMax committed entry bytes handed out in one Ready
 * @param snapshotChunkBytes bytes of snapshot data per InstallSnapshot message
 * @param snapshotBytesMax the largest snapshot a follower accepts
 * @param quiesce an idle, fully replicated group stops heartbeating and ticking; its host then
 *     watches the leader's node instead (see {@link RaftReplica#wakeUp()})
 */
public record RaftOptions(
        int heartbeatTicks,
        int electionTicksMin,
        int electionTicksMax,
        boolean preVote,
        boolean checkQuorum,
        int inflightMessagesMax,
        long inflightBytesMax,
        int entriesPerMessageMax,
        long bytesPerMessageMax,
        int commandBytesMax,
        int uncommittedEntriesMax,
        long uncommittedBytesMax,
        int pendingReadsMax,
        long applyBytesMax,
        int snapshotChunkBytes,
        long snapshotBytesMax,
        boolean quiesce) {

    public RaftOptions {
        Check.argument(heartbeatTicks >= 1, "heartbeatTicks must be at least 1");
        Check.argument(
                electionTicksMin > heartbeatTicks && electionTicksMax > electionTicksMin,
                "need heartbeatTicks < electionTicksMin < electionTicksMax, got %d, %d, %d",
                heartbeatTicks,
                electionTicksMin,
                electionTicksMax);
        Check.argument(inflightMessagesMax >= 1 && inflightBytesMax >= 1, "inflight limits < 1");
        Check.argument(entriesPerMessageMax >= 1 && bytesPerMessageMax >= 1, "message limits < 1");
        Check.argument(commandBytesMax >= 0, "commandBytesMax < 0");
        Check.argument(
                uncommittedEntriesMax >= 1 && uncommittedBytesMax >= 1 && pendingReadsMax >= 1,
                "pending limits < 1");
        Check.argument(applyBytesMax >= 1 && snapshotChunkBytes >= 1, "apply or chunk limit < 1");
        Check.argument(snapshotBytesMax >= snapshotChunkBytes, "snapshotBytesMax < chunk size");
    }

    /**
     * The defaults: with a 10 ms tick, heartbeats every 50 ms and elections after 150-300 ms, so a
     * leader is elected well inside the lab's 5 s bound.
     *
     * <p>Commands up to 16 MiB - 64 KiB: the most one node frame carries in an AppendEntries
     * ({@code RaftWire.COMMAND_BYTES_MAX}, which a node checks its options against). Uncommitted
     * entries up to 10,000 and 32 MiB per group: two of the largest commands, or 32 of the KV
     * store's largest values, enough to keep every follower's 8 MiB in-flight window full.
     */
    public static RaftOptions defaults() {
        return new RaftOptions(
                5,
                15,
                30,
                true,
                true,
                256,
                8 << 20,
                512,
                1 << 20,
                (16 << 20) - (64 << 10),
                10_000,
                32 << 20,
                10_000,
                4 << 20,
                1 << 20,
                1L << 31,
                false);
    }

    /**
     * These options with other bounds on proposals and reads (the scenario tests use small ones).
     */
    public RaftOptions withProposalBounds(
            int commandBytes, int uncommittedEntries, long uncommittedBytes, int pendingReads) {
        return new RaftOptions(
                heartbeatTicks,
                electionTicksMin,
                electionTicksMax,
                preVote,
                checkQuorum,
                inflightMessagesMax,
                inflightBytesMax,
                entriesPerMessageMax,
                bytesPerMessageMax,
                commandBytes,
                uncommittedEntries,
                uncommittedBytes,
                pendingReads,
                applyBytesMax,
                snapshotChunkBytes,
                snapshotBytesMax,
                quiesce);
    }

    public RaftOptions withSnapshotChunkBytes(int bytes) {
        return new RaftOptions(
                heartbeatTicks,
                electionTicksMin,
                electionTicksMax,
                preVote,
                checkQuorum,
                inflightMessagesMax,
                inflightBytesMax,
                entriesPerMessageMax,
                bytesPerMessageMax,
                commandBytesMax,
                uncommittedEntriesMax,
                uncommittedBytesMax,
                pendingReadsMax,
                applyBytesMax,
                bytes,
                Math.max(snapshotBytesMax, bytes),
                quiesce);
    }

    public RaftOptions withQuiescence(boolean enabled) {
        return new RaftOptions(
                heartbeatTicks,
                electionTicksMin,
                electionTicksMax,
                preVote,
                checkQuorum,
                inflightMessagesMax,
                inflightBytesMax,
                entriesPerMessageMax,
                bytesPerMessageMax,
                commandBytesMax,
                uncommittedEntriesMax,
                uncommittedBytesMax,
                pendingReadsMax,
                applyBytesMax,
                snapshotChunkBytes,
                snapshotBytesMax,
                enabled);
    }
}
