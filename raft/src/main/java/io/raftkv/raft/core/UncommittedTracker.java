package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.raft.core.Rejection.Overloaded;
import java.util.Optional;

/**
 * A leader's count of the entries after its commit index, in entries and in bytes ({@link
 * Entry#sizeBytes()}), and the bound on them (DESIGN.md rule 5). A proposal that would pass either
 * bound is {@link Overloaded} until commits make room; without the bound, a leader that cannot
 * commit (its quorum is slow or gone) would grow its log, its storage batches and its followers'
 * in-flight windows without limit. NB: an empty tail takes any command, however large (as
 * etcd-raft's {@code maxUncommittedSize}), so no command waits for room that never comes.
 *
 * <p>Meaningful only while its replica leads: {@link #reset} starts the count when it becomes
 * leader. Owned by the {@link RaftReplica}, on its thread.
 */
final class UncommittedTracker {
    private final int entriesMax;
    private final long bytesMax;
    private int entries;
    private long bytes;

    UncommittedTracker(RaftOptions options) {
        this.entriesMax = options.uncommittedEntriesMax();
        this.bytesMax = options.uncommittedBytesMax();
    }

    /** Starts counting a new leader's tail: every entry of {@code log} after its commit index. */
    void reset(RaftLog log) {
        entries = 0;
        bytes = 0;
        for (long index = log.commitIndex() + 1; index <= log.lastIndex(); index++) {
            appended(log.entry(index));
        }
    }

    /** Why an entry of {@code entryBytes} may not be appended now, if it may not. */
    Optional<Overloaded> refusal(long entryBytes) {
        if (entries >= entriesMax) {
            return Optional.of(
                    new Overloaded("%d uncommitted entries, the most allowed".formatted(entries)));
        }
        if (entries > 0 && bytes + entryBytes > bytesMax) {
            return Optional.of(
                    new Overloaded(
                            "uncommitted entries of %d bytes and %d more would pass %d"
                                    .formatted(bytes, entryBytes, bytesMax)));
        }
        return Optional.empty();
    }

    /** Counts {@code entry}, just appended at the end of the log. */
    void appended(Entry entry) {
        entries++;
        bytes += entry.sizeBytes();
    }

    /** Stops counting the entries of {@code log} up to {@code index}, about to be committed. */
    void committing(RaftLog log, long index) {
        Check.that(
                index > log.commitIndex() && index <= log.lastIndex(),
                "commit to %d outside (%d, %d]",
                index,
                log.commitIndex(),
                log.lastIndex());
        for (long committed = log.commitIndex() + 1; committed <= index; committed++) {
            entries--;
            bytes -= log.entry(committed).sizeBytes();
        }
        Check.that(
                entries == log.lastIndex() - index && bytes >= 0,
                "uncommitted count %d entries, %d bytes, but %d entries follow index %d",
                entries,
                bytes,
                log.lastIndex() - index,
                index);
    }
}
