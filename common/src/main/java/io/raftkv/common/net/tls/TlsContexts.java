package io.raftkv.common.net.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.raftkv.common.Check;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Builds the Netty {@link SslContext}s of the transport, TLS 1.3 only. Build each once at startup
 * and share it: a context is immutable and serves any number of connections ({@code
 * context.newHandler(channel.alloc())} per connection).
 *
 * <ul>
 *   <li>{@link #server(TlsFiles)}: a node's listening side. Presents the node certificate, trusts
 *       only the cluster CA, and asks for a client certificate without requiring one, so peers and
 *       admins present theirs while plain clients connect as {@code Anonymous}.
 *   <li>{@link #client(TlsFiles)}: presents a certificate; for a node's outbound peer connections
 *       (with its node certificate) and for clients that hold a client certificate (admins).
 *   <li>{@link #client(Path)}: trusts the CA and presents nothing; for plain clients.
 * </ul>
 *
 * <p>Both client contexts accept only a server whose certificate chains to the CA and is a node
 * certificate. NB: host names are not verified, on purpose. Nodes reach each other by Docker
 * aliases and NAT'd or changed addresses that a certificate made earlier cannot list, while the CA
 * is the cluster's own and signs only raftkv nodes and clients; so, as CockroachDB authenticates
 * nodes by the role in a certificate from its own CA, the role (and, on peer connections, the node
 * id the transport checks against the one it dialled) is the claim that counts. The SANs are still
 * written, for other tools.
 *
 * <p>Provider: OpenSSL (BoringSSL from netty-tcnative) when its native library loads, else the JDK;
 * {@link #providerDescription()} says which, for the startup log.
 *
 * <p>Errors in the files are {@link IllegalArgumentException}s naming the file.
 */
public final class TlsContexts {
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private TlsContexts() {}

    /** OpenSSL if netty-tcnative's native library loads on this machine, else the JDK's engine. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** One line for the log: the provider, its version, or why OpenSSL is not used. */
    public static String providerDescription() {
        return switch (provider()) {
            case OPENSSL, OPENSSL_REFCNT -> "OpenSSL (" + OpenSsl.versionString() + ")";
            case JDK -> "JDK (OpenSSL unavailable: " + OpenSsl.unavailabilityCause() + ")";
        };
    }

    /**
     * A node's server context.
     *
     * @throws IllegalArgumentException if the files are unusable or the certificate is not a node
     *     certificate
     */
    public static SslContext server(TlsFiles files) {
        return server(files, provider());
    }

    /** A client context that presents the certificate in {@code files} (node or client). */
    public static SslContext client(TlsFiles files) {
        return client(files, provider());
    }

    /** A client context without a certificate, trusting the CA certificates in {@code ca}. */
    public static SslContext client(Path ca) {
        return client(ca, provider());
    }

    static SslContext server(TlsFiles files, SslProvider provider) {
        TlsMaterial material = TlsMaterial.load(files);
        Check.argument(
                material.identity() instanceof PeerIdentity.Node,
                "a node serves with a node certificate; %s is %s",
                files.cert(),
                material.identity());
        SslContextBuilder builder =
                SslContextBuilder.forServer(
                                new SingleKeyManager(material.key(), material.chainArray()))
                        .clientAuth(ClientAuth.OPTIONAL)
                        .trustManager(new ClusterTrustManager(material.authorities()));
        return build(builder, provider, files.cert());
    }

    static SslContext client(TlsFiles files, SslProvider provider) {
        TlsMaterial material = TlsMaterial.load(files);
        SslContextBuilder builder =
                clientTrusting(material.authorities())
                        .keyManager(new SingleKeyManager(material.key(), material.chainArray()));
        return build(builder, provider, files.cert());
    }

    static SslContext client(Path ca, SslProvider provider) {
        TlsFiles.requireReadable(ca, "CA certificate");
        return build(clientTrusting(Pem.readCertificates(ca)), provider, ca);
    }

    private static SslContextBuilder clientTrusting(List<X509Certificate> authorities) {
        return SslContextBuilder.forClient()
                .trustManager(new ClusterTrustManager(authorities))
                // Netty 4.2 verifies host names by default; see the class comment for why not.
                .endpointIdentificationAlgorithm(null);
    }

    private static SslContext build(SslContextBuilder builder, SslProvider provider, Path file) {
        try {
            return builder.sslProvider(provider).protocols(PROTOCOLS).build();
        } catch (SSLException e) {
            throw new IllegalArgumentException(
                    "cannot set up TLS with " + file + ": " + e.getMessage(), e);
        }
    }
}
