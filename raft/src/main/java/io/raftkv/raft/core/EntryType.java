package io.raftkv.raft.core;

/** What an entry carries. */
public enum EntryType {
    /** Bytes for the state machine. */
    COMMAND,
    /** Appended by a new leader; the state machine never sees it. */
    NOOP,
    /**
     * A new {@link Membership} ({@link Membership#encode}); it takes effect when appended, and the
     * state machine never sees it.
     */
    MEMBERSHIP
}
