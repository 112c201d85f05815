package io.raftkv.common;

/**
 * One server process, reachable at one address. Ids are positive; they are chosen by the operator
 * and never reused for a different process.
 */
public record NodeId(int value) implements Comparable<NodeId> {
    public NodeId {
        Check.argument(value > 0, "node id must be positive, got %d", value);
    }

    public static NodeId of(int value) {
        return new NodeId(value);
    }

    @Override
    public int compareTo(NodeId other) {
        return Integer.compare(value, other.value);
    }

    @Override
    public String toString() {
        return "n" + value;
    }
}
