package io.raftkv.raft.node;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.NettyEndpoint;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of Raft nodes: sends {@link ClientRequest}s to a chosen node and completes a future with
 * its {@link ClientReply}, or exceptionally with {@link TimeoutException} after the timeout.
 * Thread-safe; many requests may be in flight.
 */
public final class RaftClient implements AutoCloseable {
    private final NettyEndpoint endpoint;

    /** Loop thread only. */
    private final Map<Long, CompletableFuture<ClientReply>> pending = new HashMap<>();

    private final Duration timeout;

    /** A client without TLS. */
    public RaftClient(Map<NodeId, InetSocketAddress> nodes, Duration timeout) {
        this(nodes, timeout, EndpointIdentity.client());
    }

    /** A client that dials as {@code identity} (TLS, a client certificate). */
    public RaftClient(
            Map<NodeId, InetSocketAddress> nodes, Duration timeout, EndpointIdentity identity) {
        this.endpoint =
                new NettyEndpoint("raftkv-client", RaftWire.codec(), this::onFrame, identity);
        this.timeout = timeout;
        nodes.forEach(endpoint::addPeer);
    }

    /** Sends {@code request} to {@code node}. Request ids must be unique per client. */
    public CompletableFuture<ClientReply> send(NodeId node, ClientRequest request) {
        CompletableFuture<ClientReply> reply = new CompletableFuture<>();
        endpoint.loop()
                .execute(
                        () -> {
                            pending.put(request.requestId(), reply);
                            // If the request is dropped (not connected yet), the timeout answers.
                            endpoint.send(node, request);
                            endpoint.loop()
                                    .schedule(
                                            () -> expire(request.requestId()),
                                            timeout.toMillis(),
                                            TimeUnit.MILLISECONDS);
                        });
        return reply;
    }

    private void expire(long requestId) {
        CompletableFuture<ClientReply> reply = pending.remove(requestId);
        if (reply != null) {
            reply.completeExceptionally(new TimeoutException("no reply within " + timeout));
        }
    }

    private void onFrame(NettyEndpoint.Connection connection, Object frame) {
        if (frame instanceof ClientReply reply) {
            CompletableFuture<ClientReply> waiting = pending.remove(reply.requestId());
            if (waiting != null) {
                waiting.complete(reply);
            }
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
