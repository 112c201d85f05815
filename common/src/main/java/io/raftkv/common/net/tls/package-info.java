/**
 * TLS for the transport (issue 10): the cluster's certificate authority, the Netty {@code
 * SslContext}s of nodes and clients, and who is at the other end of a connection.
 *
 * <p>Trust: one private CA per cluster ({@link io.raftkv.common.net.tls.CertificateAuthority}).
 * Every certificate carries its holder's role in its subject, {@code CN=node-<id>, O=raftkv,
 * OU=node} or {@code CN=<name>, O=raftkv, OU=client} ({@link
 * io.raftkv.common.net.tls.PeerIdentity}). A handshake succeeds only with a certificate that chains
 * to the CA and follows that convention; a server must be a node; a client may present no
 * certificate at all and is then {@code Anonymous}. Host names are not verified: see {@link
 * io.raftkv.common.net.tls.TlsContexts}.
 *
 * <p>The transport's part: build the contexts once at startup with {@link
 * io.raftkv.common.net.tls.TlsContexts}; after a handshake read {@link
 * io.raftkv.common.net.tls.PeerIdentity#of(io.netty.handler.ssl.SslHandler)}; on an outbound peer
 * connection require {@code Node(expected id)}; accept Raft and group frames only from a {@code
 * Node}, admin operations only from a {@code Node} or {@code Client}. At startup, check that {@link
 * io.raftkv.common.net.tls.TlsFiles#identity()} is the node's own id.
 *
 * <p>Depends on Netty's handler module, BouncyCastle (bcpkix, to make certificates and read keys)
 * and, at run time, netty-tcnative-boringssl-static; of ours only {@code io.raftkv.common}.
 */
package io.raftkv.common.net.tls;
