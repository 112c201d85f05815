package io.raftkv.common.net;

import io.netty.handler.ssl.SslContext;
import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.PeerIdentity;
import io.raftkv.common.net.tls.TlsContexts;
import io.raftkv.common.net.tls.TlsFiles;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who an endpoint is on the wire: the hello it sends on every connection it dials, the cluster a
 * dialing node must belong to when it listens, and the TLS it speaks.
 *
 * @param clusterId the cluster's id (etcd's cluster token); empty for a client that does not say
 * @param node the node this endpoint speaks for, empty for a client
 * @param listenTls when present, every accepted connection is TLS with this server context, and the
 *     certificate a dialer presents decides what it may claim ({@link Origin})
 * @param dialTls when present, every dialed connection is TLS with this client context
 */
public record EndpointIdentity(
        String clusterId,
        Optional<NodeId> node,
        Optional<SslContext> listenTls,
        Optional<SslContext> dialTls) {
    public EndpointIdentity {
        Check.argument(
                clusterId.length() <= Hello.CLUSTER_ID_CHARS_MAX,
                "a cluster id has at most %d characters",
                Hello.CLUSTER_ID_CHARS_MAX);
        Check.argument(node.isEmpty() || !clusterId.isEmpty(), "a node must name its cluster id");
    }

    /** A client without TLS, of whatever cluster it reaches. */
    public static EndpointIdentity client() {
        return new EndpointIdentity("", Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A client over TLS that trusts the CA certificate in {@code ca} and presents {@code
     * certificate} if given (a client certificate allows admin operations).
     */
    public static EndpointIdentity tlsClient(Path ca, Optional<TlsFiles> certificate) {
        SslContext context =
                certificate.map(TlsContexts::client).orElseGet(() -> TlsContexts.client(ca));
        return new EndpointIdentity("", Optional.empty(), Optional.empty(), Optional.of(context));
    }

    /** Node {@code node} of cluster {@code clusterId}, without TLS. */
    public static EndpointIdentity node(String clusterId, NodeId node) {
        return new EndpointIdentity(
                clusterId, Optional.of(node), Optional.empty(), Optional.empty());
    }

    /**
     * Node {@code node} of cluster {@code clusterId}, with mutual TLS from {@code tls}, whose
     * certificate must be that node's.
     *
     * @throws IllegalArgumentException if the files are unusable or hold another identity
     */
    public static EndpointIdentity node(String clusterId, NodeId node, TlsFiles tls) {
        PeerIdentity holder = tls.identity();
        Check.argument(
                holder.equals(new PeerIdentity.Node(node)),
                "%s holds the certificate of %s, not of node %d",
                tls.cert(),
                holder,
                node.value());
        return new EndpointIdentity(
                clusterId,
                Optional.of(node),
                Optional.of(TlsContexts.server(tls)),
                Optional.of(TlsContexts.client(tls)));
    }

    Hello hello() {
        return new Hello(clusterId, node.map(NodeId::value).orElse(0));
    }
}
