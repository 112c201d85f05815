package io.raftkv.raft.core;

/** The immediate answer to {@link RaftReplica#propose}. */
public sealed interface ProposeResult
        permits ProposeResult.Accepted, ProposeResult.TooLarge, Rejection {
    /**
     * The command was appended at {@code index} in {@code term}. It is applied at that index only
     * if the entry found there at apply time still has this term.
     */
    record Accepted(long index, long term) implements ProposeResult, ChangeResult {}

    /**
     * The command is larger than any replica of the group takes ({@link
     * RaftOptions#commandBytesMax()}): nothing was appended, and retrying will not help.
     */
    record TooLarge(int commandBytes, int commandBytesMax) implements ProposeResult {
        /** Says why, for a person: {@code command of 17 bytes exceeds the limit of 16}. */
        public String reason() {
            return "command of %d bytes exceeds the limit of %d"
                    .formatted(commandBytes, commandBytesMax);
        }
    }
}
