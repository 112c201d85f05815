package io.raftkv.raft.core;

import io.raftkv.common.Check;

/**
 * What a leader knows about one follower's log, and how it is sending to it (the etcd-raft progress
 * state machine):
 *
 * <pre>
 *   PROBE --(append acknowledged)--> REPLICATE --(append rejected)--> PROBE
 *     |                                                                  ^
 *     +--(next entry compacted)--> SNAPSHOT --(snapshot installed)-------+
 * </pre>
 *
 * In PROBE the leader sends one append and waits for its answer (or the next heartbeat answer)
 * before the next; in REPLICATE it pipelines appends up to the inflight bounds; in SNAPSHOT it
 * sends snapshot chunks one at a time.
 *
 * <p>Invariant: {@code match < next}.
 */
final class Progress {
    enum State {
        PROBE,
        REPLICATE,
        SNAPSHOT
    }

    private long match;
    private long next;
    private State state = State.PROBE;
    private boolean probeSent;
    private long snapshotIndex;
    private long snapshotOffset;
    private boolean recentActive;

    /** The highest commit index this follower has been sent (it may apply up to it). */
    private long commitSent;

    private final Inflights inflights;

    Progress(long next, Inflights inflights) {
        this.next = next;
        this.inflights = inflights;
    }

    long match() {
        return match;
    }

    long next() {
        return next;
    }

    State state() {
        return state;
    }

    Inflights inflights() {
        return inflights;
    }

    /** Whether the leader must hold back appends to this follower for now. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    /** Raises match (and next) to {@code index}; false if the answer was stale. */
    boolean maybeUpdate(long index) {
        boolean updated = index > match;
        if (updated) {
            match = index;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /** After sending entries up to {@code lastIndex} while replicating. */
    void sentEntries(long lastIndex, long bytes) {
        switch (state) {
            case REPLICATE -> {
                if (lastIndex >= next) {
                    next = lastIndex + 1;
                    inflights.add(lastIndex, bytes);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> Check.that(false, "sending entries while sending a snapshot");
        }
    }

    /**
     * Moves next back after a rejection of the append that followed {@code rejectedIndex}. Returns
     * false if the rejection is stale (answers an append this progress no longer expects).
     */
    boolean maybeDecreaseTo(long rejectedIndex, long newNext) {
        boolean stale =
                state == State.REPLICATE ? rejectedIndex <= match : rejectedIndex != next - 1;
        if (stale) {
            return false;
        }
        next = Math.max(match + 1, Math.min(newNext, rejectedIndex));
        probeSent = false;
        return true;
    }

    void becomeProbe() {
        long resumeAt =
                state == State.SNAPSHOT ? Math.max(match + 1, snapshotIndex + 1) : match + 1;
        state = State.PROBE;
        next = resumeAt;
        probeSent = false;
        inflights.clear();
    }

    void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        probeSent = false;
        inflights.clear();
    }

    void becomeSnapshot(long index) {
        state = State.SNAPSHOT;
        snapshotIndex = index;
        snapshotOffset = 0;
        inflights.clear();
    }

    long snapshotIndex() {
        return snapshotIndex;
    }

    long snapshotOffset() {
        return snapshotOffset;
    }

    void snapshotOffset(long offset) {
        snapshotOffset = offset;
    }

    /** Unpauses a probe: the follower answered something, so the leader may try again. */
    void resumeProbe() {
        probeSent = false;
    }

    long commitSent() {
        return commitSent;
    }

    void commitSent(long index) {
        commitSent = Math.max(commitSent, index);
    }

    boolean recentActive() {
        return recentActive;
    }

    void recentActive(boolean active) {
        recentActive = active;
    }

    @Override
    public String toString() {
        return "Progress[%s match=%d next=%d inflight=%d]"
                .formatted(state, match, next, inflights.count());
    }
}
