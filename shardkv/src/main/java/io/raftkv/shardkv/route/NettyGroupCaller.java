package io.raftkv.shardkv.route;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.NettyEndpoint;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftWire;
import io.raftkv.shardctrler.config.Member;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link GroupCaller} over Netty: one endpoint (and one event loop thread) of its own, one
 * connection per node address, each request answered by the node's reply or, after the attempt
 * timeout, by nothing. Answers run on the {@code callbacks} executor. Thread-safe.
 */
public final class NettyGroupCaller implements GroupCaller, AutoCloseable {
    private final NettyEndpoint endpoint;
    private final Executor callbacks;
    private final Duration attemptTimeout;

    /**
     * Loop thread only: endpoint-local ids of the members' addresses called so far, and pending
     * calls.
     */
    private final Map<String, NodeId> peers = new HashMap<>();

    private final Map<Long, Consumer<Optional<ClientReply>>> pending = new HashMap<>();
    private long nextRequestId;

    /**
     * @param identity who this caller says it is: a client, or the node it calls for (whose
     *     group-internal commands only a node may send)
     * @param callbacks where answers run; null runs them on this caller's own loop
     * @param attemptTimeout how long to wait for one reply
     */
    public NettyGroupCaller(
            String name, EndpointIdentity identity, Executor callbacks, Duration attemptTimeout) {
        this.endpoint = new NettyEndpoint(name, RaftWire.codec(), this::onFrame, identity);
        this.callbacks = callbacks == null ? endpoint.loop() : callbacks;
        this.attemptTimeout = attemptTimeout;
    }

    /** This caller's own loop: code that owns a router can run on it. */
    public Executor loop() {
        return endpoint.loop();
    }

    /** A {@link LoopScheduler} on this caller's loop, with the wall clock. */
    public LoopScheduler scheduler() {
        return new LoopScheduler() {
            @Override
            public long nowMillis() {
                return System.nanoTime() / 1_000_000;
            }

            @Override
            public void schedule(long delayMillis, Runnable task) {
                endpoint.loop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
            }
        };
    }

    @Override
    public void call(
            Member target,
            GroupId group,
            boolean read,
            byte[] payload,
            Consumer<Optional<ClientReply>> answer) {
        endpoint.loop()
                .execute(
                        () -> {
                            long id = ++nextRequestId;
                            pending.put(id, answer);
                            ClientRequest request = GroupCaller.request(id, group, read, payload);
                            // A request dropped while connecting is answered by the timeout.
                            endpoint.send(peerFor(target), request);
                            endpoint.loop()
                                    .schedule(
                                            () -> complete(id, Optional.empty()),
                                            attemptTimeout.toMillis(),
                                            TimeUnit.MILLISECONDS);
                        });
    }

    private NodeId peerFor(Member target) {
        return peers.computeIfAbsent(
                target.address(),
                address -> {
                    NodeId peer = NodeId.of(peers.size() + 1);
                    endpoint.addPeer(peer, target.socketAddress());
                    return peer;
                });
    }

    private void onFrame(NettyEndpoint.Connection connection, Object frame) {
        if (frame instanceof ClientReply reply) {
            complete(reply.requestId(), Optional.of(reply));
        }
    }

    private void complete(long requestId, Optional<ClientReply> reply) {
        Consumer<Optional<ClientReply>> answer = pending.remove(requestId);
        if (answer != null) {
            callbacks.execute(() -> answer.accept(reply));
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
