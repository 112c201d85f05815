package io.raftkv.raft.core;

import io.raftkv.common.Check;
import java.util.ArrayDeque;

/**
 * The AppendEntries a leader has sent to one follower and not yet seen acknowledged, bounded in
 * count and bytes so a slow follower cannot make the leader buffer without limit.
 */
final class Inflights {
    private record Flight(long lastIndex, long bytes) {}

    private final int countMax;
    private final long bytesMax;
    private final ArrayDeque<Flight> flights = new ArrayDeque<>();
    private long bytes;

    Inflights(int countMax, long bytesMax) {
        Check.argument(countMax >= 1 && bytesMax >= 1, "inflight limits must be positive");
        this.countMax = countMax;
        this.bytesMax = bytesMax;
    }

    /** Records an append ending at {@code lastIndex} carrying {@code entryBytes}. */
    void add(long lastIndex, long entryBytes) {
        Check.that(!isFull(), "adding to full inflights");
        Check.that(
                flights.isEmpty() || lastIndex > flights.getLast().lastIndex(),
                "inflight %d does not follow %s",
                lastIndex,
                flights.peekLast());
        flights.addLast(new Flight(lastIndex, entryBytes));
        bytes += entryBytes;
    }

    /** Forgets every append ending at or before {@code index}: the follower has them. */
    void freeTo(long index) {
        while (!flights.isEmpty() && flights.getFirst().lastIndex() <= index) {
            bytes -= flights.removeFirst().bytes();
        }
    }

    /** Forgets the oldest append if the window is full, so one more may be sent. */
    void freeFirstIfFull() {
        if (isFull()) {
            bytes -= flights.removeFirst().bytes();
        }
    }

    boolean isFull() {
        return flights.size() >= countMax || bytes >= bytesMax;
    }

    int count() {
        return flights.size();
    }

    long bytes() {
        return bytes;
    }

    void clear() {
        flights.clear();
        bytes = 0;
    }
}
