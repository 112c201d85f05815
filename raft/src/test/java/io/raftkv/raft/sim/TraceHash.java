package io.raftkv.raft.sim;

/**
 * A running hash of what happened in a run. Two runs from the same seed must end with the same
 * hash: that is the replay check.
 */
public final class TraceHash {
    private long hash = 1125899906842597L;

    public void add(long... values) {
        for (long value : values) {
            hash = 31 * hash + value;
            hash ^= hash >>> 29;
        }
    }

    public long value() {
        return hash;
    }
}
