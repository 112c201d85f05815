package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.raft.core.Rejection.Overloaded;
import java.util.Optional;

/**
 * A leader's entries after its commit index, counted in entries and bytes ({@link
 * Entry#sizeBytes()}) against {@link RaftOptions#uncommittedEntriesMax()} and {@link
 * RaftOptions#uncommittedBytesMax()}. A proposal that does not fit the {@link Budget} is {@link
 * Overloaded} until commits make room; without the bound, a leader that cannot commit (its quorum
 * is slow or gone) would grow its log, its storage batches and its followers' in-flight windows
 * without limit.
 *
 * <p>Meaningful only while its replica leads: each {@link Leadership} makes one and {@link #reset}
 * starts the count when the replica becomes leader. Owned by that {@link Leadership}, on its
 * replica's thread.
 */
final class UncommittedTracker {
    private final Budget budget;

    UncommittedTracker(RaftOptions options) {
        this.budget = new Budget(options.uncommittedEntriesMax(), options.uncommittedBytesMax());
    }

    /** Starts counting a new leader's tail: every entry of {@code log} after its commit index. */
    void reset(RaftLog log) {
        budget.clear();
        for (long index = log.commitIndex() + 1; index <= log.lastIndex(); index++) {
            budget.add(log.entry(index).sizeBytes());
        }
    }

    /** Why an entry of {@code entryBytes} may not be appended now, if it may not. */
    Optional<Overloaded> refusal(long entryBytes) {
        if (budget.admits(entryBytes)) {
            return Optional.empty();
        }
        return Optional.of(new Overloaded("uncommitted entries: " + budget.refusal(entryBytes)));
    }

    /** Counts {@code entry}, just appended at the end of the log. */
    void appended(Entry entry) {
        budget.add(entry.sizeBytes());
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
            budget.remove(log.entry(committed).sizeBytes());
        }
        Check.that(
                budget.count() == log.lastIndex() - index,
                "%d entries counted uncommitted, but %d follow index %d",
                budget.count(),
                log.lastIndex() - index,
                index);
    }
}
