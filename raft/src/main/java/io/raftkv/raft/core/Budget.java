package io.raftkv.raft.core;

import io.raftkv.common.Check;

/**
 * Items held and their bytes, bounded in both (DESIGN.md rule 5): what a queue or a pending list
 * may still take. The holder asks {@link #admits} before it takes an item and refuses it (as
 * Overloaded, or by dropping it) when not. NB: an empty budget admits one item of any size, as
 * etcd-raft's uncommitted-size bound does, so no item waits for room that can never come.
 *
 * <p>Not thread-safe: owned by one thread, like whatever it bounds.
 */
public final class Budget {
    private final int countMax;
    private final long bytesMax;
    private int count;
    private long bytes;

    public Budget(int countMax, long bytesMax) {
        Check.argument(countMax >= 1 && bytesMax >= 1, "budget bounds must be positive");
        this.countMax = countMax;
        this.bytesMax = bytesMax;
    }

    /** Whether one more item of {@code itemBytes} fits. */
    public boolean admits(long itemBytes) {
        return count == 0 || (count < countMax && bytes + itemBytes <= bytesMax);
    }

    /**
     * Why an item of {@code itemBytes} does not fit, for a person: {@code 3 of at most 3} or {@code
     * 90 bytes and 20 more would pass 100}.
     */
    public String refusal(long itemBytes) {
        Check.argument(!admits(itemBytes), "an item of %d bytes fits", itemBytes);
        return count >= countMax
                ? "%d of at most %d".formatted(count, countMax)
                : "%d bytes and %d more would pass %d".formatted(bytes, itemBytes, bytesMax);
    }

    /**
     * Counts an item of {@code itemBytes}: one {@link #admits} allowed, or one the holder must keep
     * anyway (a new leader's inherited entries), which then holds off further items.
     */
    public void add(long itemBytes) {
        Check.that(itemBytes >= 0, "an item of %d bytes", itemBytes);
        count++;
        bytes += itemBytes;
    }

    /** Stops counting an item of {@code itemBytes} that was added. */
    public void remove(long itemBytes) {
        Check.that(
                count >= 1 && bytes >= itemBytes,
                "removing %d bytes from %d items of %d bytes",
                itemBytes,
                count,
                bytes);
        count--;
        bytes -= itemBytes;
    }

    /** Forgets every item. */
    public void clear() {
        count = 0;
        bytes = 0;
    }

    public int count() {
        return count;
    }

    public long bytes() {
        return bytes;
    }
}
