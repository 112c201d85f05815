package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The call and return events of one key's operations as a doubly linked list sorted by time, the
 * structure Wing &amp; Gong's search walks. Lifting an operation unlinks its call and its return;
 * unlifting relinks them, which is only correct in the reverse order of the lifts (the search keeps
 * a stack, so it is).
 *
 * <p>Ties: at equal times calls come before returns, so operations whose intervals touch count as
 * concurrent (as in Porcupine); remaining ties go by operation id, so the order is deterministic.
 * An operation whose outcome is unknown has no return entry: it returns at +infinity.
 */
final class EntryList {
    /** One event. Operation ids index the search's operation array. */
    static final class Entry {
        final int operation;
        final boolean isCall;
        final long timeNanos;

        /** For a call, its return ({@code null} when the outcome is unknown); null for a return. */
        Entry match;

        Entry previous;
        Entry next;

        private Entry(int operation, boolean isCall, long timeNanos) {
            this.operation = operation;
            this.isCall = isCall;
            this.timeNanos = timeNanos;
        }
    }

    private static final Comparator<Entry> TIME_ORDER =
            Comparator.<Entry>comparingLong(e -> e.timeNanos)
                    .thenComparing(e -> !e.isCall)
                    .thenComparingInt(e -> e.operation);

    /** Sentinel before the first entry; {@code head.next} is the earliest remaining event. */
    final Entry head = new Entry(-1, false, Long.MIN_VALUE);

    /** Builds the list for {@code operations}, whose index in the list is the operation id. */
    EntryList(List<Operation> operations) {
        List<Entry> entries = new ArrayList<>(2 * operations.size());
        for (int id = 0; id < operations.size(); id++) {
            Operation operation = operations.get(id);
            Entry call = new Entry(id, true, operation.callNanos());
            entries.add(call);
            if (!operation.outcomeUnknown()) {
                call.match = new Entry(id, false, operation.returnNanos());
                entries.add(call.match);
            }
        }
        entries.sort(TIME_ORDER);
        Entry last = head;
        for (Entry entry : entries) {
            last.next = entry;
            entry.previous = last;
            last = entry;
        }
    }

    /** Unlinks a call entry and its return. */
    void lift(Entry call) {
        Check.that(call.isCall, "lifting the return of operation %d", call.operation);
        unlink(call);
        if (call.match != null) {
            unlink(call.match);
        }
    }

    /** Relinks a call entry and its return; the reverse of the most recent {@link #lift}. */
    void unlift(Entry call) {
        if (call.match != null) {
            relink(call.match);
        }
        relink(call);
    }

    private static void unlink(Entry entry) {
        entry.previous.next = entry.next;
        if (entry.next != null) {
            entry.next.previous = entry.previous;
        }
    }

    private static void relink(Entry entry) {
        entry.previous.next = entry;
        if (entry.next != null) {
            entry.next.previous = entry;
        }
    }
}
