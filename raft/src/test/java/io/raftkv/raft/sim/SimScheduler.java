package io.raftkv.raft.sim;

import io.raftkv.common.Check;
import java.util.PriorityQueue;

/**
 * Virtual time: a queue of events ordered by (time, sequence number). The sequence number breaks
 * ties in scheduling order, which keeps runs deterministic (Kafka's raft simulation does the same).
 * Time only moves when an event runs.
 */
public final class SimScheduler {
    private record Event(long timeMillis, long sequence, Runnable action)
            implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(timeMillis, other.timeMillis);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private long nowMillis;
    private long sequence;
    private long eventsRun;

    public long nowMillis() {
        return nowMillis;
    }

    public long eventsRun() {
        return eventsRun;
    }

    /** Runs {@code action} {@code delayMillis} from now (0: after the events already due now). */
    public void schedule(long delayMillis, Runnable action) {
        Check.argument(delayMillis >= 0, "negative delay %d", delayMillis);
        events.add(new Event(nowMillis + delayMillis, sequence++, action));
    }

    /** Runs the next event if one is due at or before {@code limitMillis}; false if none is. */
    public boolean runNext(long limitMillis) {
        Event next = events.peek();
        if (next == null || next.timeMillis() > limitMillis) {
            nowMillis = Math.max(nowMillis, limitMillis);
            return false;
        }
        events.poll();
        nowMillis = next.timeMillis();
        eventsRun++;
        next.action().run();
        return true;
    }
}
