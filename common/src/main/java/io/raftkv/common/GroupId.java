package io.raftkv.common;

/** One Raft replica set. Group 0 is the controller group; replica groups have positive ids. */
public record GroupId(int value) implements Comparable<GroupId> {
    /** The shard controller's own Raft group. */
    public static final GroupId CONTROLLER = new GroupId(0);

    public GroupId {
        Check.argument(value >= 0, "group id must not be negative, got %d", value);
    }

    public static GroupId of(int value) {
        return new GroupId(value);
    }

    @Override
    public int compareTo(GroupId other) {
        return Integer.compare(value, other.value);
    }

    @Override
    public String toString() {
        return "g" + value;
    }
}
