package io.raftkv.shardkv.redis;

import io.netty.handler.ssl.SslContext;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.tls.TlsContexts;
import io.raftkv.common.net.tls.TlsFiles;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.server.NodeSnapshot;
import io.raftkv.shardkv.server.ShardKvNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A node's RESP server ({@code raftkv node --redis HOST:PORT}) with the client it routes through: a
 * {@link ShardKvClient} of the node's controllers, inside the node's process, exactly as a Java
 * client elsewhere would be, so any node takes any key. With TLS, RESP is served over TLS with the
 * node's certificate, and the inner client dials the cluster as a plain TLS client (it may read and
 * write, nothing more).
 */
public final class RedisFrontEnd implements AutoCloseable {
    /** How long one key operation may take before it is answered UNKNOWN or UNAVAILABLE. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final ShardKvClient client;
    private final RespServer server;

    private RedisFrontEnd(ShardKvClient client, RespServer server) {
        this.client = client;
        this.server = server;
    }

    /**
     * Serves RESP for {@code node} at {@code address}.
     *
     * @param controllers the controllers the node follows
     * @param tls the node's TLS files, if the cluster uses TLS
     * @param timeout how long one key operation may take
     */
    public static RedisFrontEnd start(
            ShardKvNode node,
            List<Member> controllers,
            InetSocketAddress address,
            Optional<TlsFiles> tls,
            Duration timeout)
            throws InterruptedException {
        EndpointIdentity identity =
                tls.map(files -> EndpointIdentity.tlsClient(files.ca(), Optional.empty()))
                        .orElseGet(EndpointIdentity::client);
        ShardKvClient client =
                new ShardKvClient(
                        controllers, new KvRouter.Options(timeout.toMillis(), 200), identity);
        Optional<SslContext> serverTls = tls.map(TlsContexts::server);
        RespBackend backend =
                new RespBackend() {
                    @Override
                    public CompletableFuture<KvResult> execute(KvOp op) {
                        return client.execute(op);
                    }

                    @Override
                    public NodeSnapshot status() {
                        return node.snapshot();
                    }
                };
        try {
            return new RedisFrontEnd(
                    client, RespServer.start(RespServer.Options.at(address, serverTls), backend));
        } catch (RuntimeException | InterruptedException e) {
            client.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
