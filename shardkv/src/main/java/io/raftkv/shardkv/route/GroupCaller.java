package io.raftkv.shardkv.route;

import io.raftkv.common.GroupId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.shardctrler.config.Member;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sends one request to one node's replica of a group. Implemented over Netty for real nodes and
 * over the simulated network for tests; the code above it is the same in both.
 */
public interface GroupCaller {
    /**
     * Asks {@code target} to propose {@code payload} to {@code group}'s log ({@code read} false) or
     * to answer it as a linearizable query ({@code read} true). {@code answer} gets the node's
     * reply, or empty if none came in time; it runs on the caller's loop, exactly once.
     */
    void call(
            Member target,
            GroupId group,
            boolean read,
            byte[] payload,
            Consumer<Optional<ClientReply>> answer);

    /** The request {@link #call} sends: a proposal, or a read if {@code read}. */
    static ClientRequest request(long id, GroupId group, boolean read, byte[] payload) {
        return read
                ? new ClientRequest.Read(id, group, payload)
                : new ClientRequest.Propose(id, group, payload);
    }
}
