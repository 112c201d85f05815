package io.raftkv.common.net.tls;

import io.netty.handler.ssl.SslHandler;
import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is at the other end of a TLS connection, as its certificate says. Only certificates that
 * chain to the cluster CA and follow the subject convention ({@code CN=node-<id>, O=raftkv,
 * OU=node} or {@code CN=<name>, O=raftkv, OU=client}) get through a handshake with a context from
 * {@link TlsContexts}, so the identity read afterwards is one of these three.
 */
public sealed interface PeerIdentity {
    /** A cluster node, holding the certificate of node {@code id}. */
    record Node(NodeId id) implements PeerIdentity {
        public Node {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * A client holding a certificate named {@code name}: 1 to 64 letters, digits, '.', '_' or '-',
     * starting with a letter or digit (it is part of file names).
     */
    record Client(String name) implements PeerIdentity {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

        public Client {
            Check.argument(
                    name != null && NAME.matcher(name).matches(),
                    "a client name is 1-64 letters, digits, '.', '_' or '-', got '%s'",
                    name);
        }
    }

    /** A client that presented no certificate: client authentication is optional. */
    record Anonymous() implements PeerIdentity {}

    /**
     * The identity of the peer of {@code handler}'s connection. Call it once the handshake has
     * succeeded (from the handshake future's listener or on {@code SslHandshakeCompletionEvent}).
     */
    static PeerIdentity of(SslHandler handler) {
        Check.that(
                handler.handshakeFuture().isSuccess(),
                "a peer identity is read after a successful handshake");
        return of(handler.engine().getSession());
    }

    /** The identity of the peer of an established {@code session}; no certificate is Anonymous. */
    static PeerIdentity of(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException noCertificate) {
            return new Anonymous();
        }
        Check.that(
                chain.length > 0 && chain[0] instanceof X509Certificate,
                "a verified peer presents an X.509 certificate");
        return Subjects.identify((X509Certificate) chain[0]);
    }
}
