package io.raftkv.raft.node;

/** A node's answer to a {@link ClientRequest}, with the same request id. */
public sealed interface ClientReply {
    long requestId();

    /** The proposal was committed and applied at {@code index}. */
    record Applied(long requestId, long index, byte[] result) implements ClientReply {}

    /** The read's result: the state machine's answer to a query after the read index. */
    record Value(long requestId, byte[] value) implements ClientReply {}

    /**
     * This node cannot serve the request: it does not lead the group ({@code leaderHint} is the
     * leader it knows of, 0 if none), or does not host it.
     */
    record NotLeader(long requestId, int leaderHint) implements ClientReply {}

    /** Accepted, but leadership was lost before the outcome was known: it may have applied. */
    record Unknown(long requestId, int leaderHint) implements ClientReply {}

    /** Too much is pending; retry later. */
    record Overloaded(long requestId, String reason) implements ClientReply {}

    /** The request is malformed for this group's state machine; retrying will not help. */
    record Invalid(long requestId, String reason) implements ClientReply {}

    /**
     * The connection may not issue this request ({@link Access}): a client sent a group-internal
     * command, or an admin operation without a client certificate. Nothing changed; retrying on the
     * same connection will not help.
     */
    record Forbidden(long requestId, String reason) implements ClientReply {}

    /**
     * The command is larger than the group takes ({@link
     * io.raftkv.raft.core.ProposeResult.TooLarge}); nothing was done and retrying will not help.
     */
    record TooLarge(long requestId, String reason) implements ClientReply {}
}
