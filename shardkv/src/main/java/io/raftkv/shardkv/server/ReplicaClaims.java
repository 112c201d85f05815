package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.RaftNode;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.route.GroupRequests;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A node's claims of its replicas at the controller (DESIGN.md rule 7): {@code Claim(group, node,
 * incarnation)} with this node's id and its data directory's incarnation, as one controller client
 * with its own session. Loop only.
 */
final class ReplicaClaims {
    private final RaftNode node;
    private final List<Member> controllers;
    private final GroupRequests requests;
    private final long clientId = new SecureRandom().nextLong();
    private long sequence;

    ReplicaClaims(RaftNode node, List<Member> controllers, GroupRequests requests) {
        this.node = node;
        this.controllers = List.copyOf(controllers);
        this.requests = requests;
    }

    /**
     * Claims this node's replica of {@code group}; {@code done} gets the controller's answer, or
     * empty if none came (or it was not a controller's), after which the caller asks again.
     */
    void claim(GroupId group, Consumer<Optional<ControllerResult>> done) {
        byte[] claim =
                ControllerCodec.encode(
                        new ControllerCommand.Claim(
                                clientId, ++sequence, group, node.id(), node.incarnation()));
        requests.call(
                GroupId.CONTROLLER, controllers, false, claim, reply -> done.accept(result(reply)));
    }

    private static Optional<ControllerResult> result(Optional<ClientReply> reply) {
        if (!(reply.orElse(null) instanceof ClientReply.Applied applied)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ControllerCodec.decodeResult(applied.result()));
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }
}
