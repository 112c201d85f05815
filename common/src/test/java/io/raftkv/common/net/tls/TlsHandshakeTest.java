package io.raftkv.common.net.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.raftkv.common.NodeId;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Handshakes over loopback between contexts from {@link TlsContexts}, with each provider this
 * machine has (OpenSSL when netty-tcnative loads, and always the JDK): who gets in, and as whom.
 */
class TlsHandshakeTest {
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final Duration YEAR = Duration.ofDays(365);

    /** Ends the pipelines: a failed handshake is an outcome here, not a warning to log. */
    private static final ChannelHandler QUIET =
            new ChannelInboundHandlerAdapter() {
                @Override
                public boolean isSharable() {
                    return true;
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                    context.close();
                }
            };

    @TempDir static Path certificates;
    @TempDir static Path otherCertificates;
    private static TlsFiles node1;
    private static TlsFiles node2;
    private static TlsFiles admin;
    private static TlsFiles foreignClient;

    private final MultiThreadIoEventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    /** What each accepted connection's handshake ended with: a PeerIdentity or its failure. */
    private final LinkedBlockingQueue<Object> serverOutcomes = new LinkedBlockingQueue<>();

    static List<SslProvider> providers() {
        return OpenSsl.isAvailable()
                ? List.of(SslProvider.OPENSSL, SslProvider.JDK)
                : List.of(SslProvider.JDK);
    }

    @BeforeAll
    static void issueCertificates() throws Exception {
        System.out.println("TLS provider picked: " + TlsContexts.providerDescription());
        CertificateAuthority ca = CertificateAuthority.create(certificates, YEAR, false);
        node1 = ca.issueNode(NodeId.of(1), List.of("127.0.0.1"), YEAR, false);
        node2 = ca.issueNode(NodeId.of(2), List.of("127.0.0.1"), YEAR, false);
        admin = ca.issueClient("admin", YEAR, false);
        foreignClient =
                CertificateAuthority.create(otherCertificates, YEAR, false)
                        .issueClient("mallory", YEAR, false);
    }

    @AfterEach
    void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private InetSocketAddress serve(SslContext context) throws InterruptedException {
        ChannelInitializer<SocketChannel> initializer =
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        SslHandler ssl = context.newHandler(channel.alloc());
                        channel.pipeline().addLast(ssl, QUIET);
                        ssl.handshakeFuture()
                                .addListener(
                                        done ->
                                                serverOutcomes.add(
                                                        done.isSuccess()
                                                                ? PeerIdentity.of(ssl)
                                                                : done.cause()));
                    }
                };
        return (InetSocketAddress)
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(initializer)
                        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .sync()
                        .channel()
                        .localAddress();
    }

    /** A client's connection and its TLS handler. */
    private record Connection(Channel channel, SslHandler ssl) {
        Throwable handshakeFailure() {
            return ssl.handshakeFuture().cause();
        }
    }

    /** Connects with {@code context}; returns once the client's handshake has ended. */
    private Connection connect(InetSocketAddress server, SslContext context)
            throws InterruptedException {
        CompletableFuture<SslHandler> handler = new CompletableFuture<>();
        ChannelInitializer<SocketChannel> initializer =
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        SslHandler ssl = context.newHandler(channel.alloc());
                        channel.pipeline().addLast(ssl, QUIET);
                        handler.complete(ssl);
                    }
                };
        Channel channel =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .handler(initializer)
                        .connect(server)
                        .sync()
                        .channel();
        SslHandler ssl = handler.join();
        assertThat(ssl.handshakeFuture().await(PATIENCE.toMillis())).isTrue();
        return new Connection(channel, ssl);
    }

    /** A client that trusts any server and presents its certificate whatever the server asks. */
    private static SslContext hostileClient(
            PrivateKey key, X509Certificate[] chain, SslProvider provider) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .keyManager(new SingleKeyManager(key, chain))
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .endpointIdentificationAlgorithm(null)
                .build();
    }

    private Object serverOutcome() throws InterruptedException {
        return serverOutcomes.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void assertClosed(Connection client) throws InterruptedException {
        assertThat(client.channel().closeFuture().await(PATIENCE.toMillis()))
                .as("the refused connection is closed")
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void peersIdentifyEachOtherAsNodes(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        Connection client = connect(server, TlsContexts.client(node2, provider));
        assertThat(client.handshakeFailure()).isNull();
        assertThat(PeerIdentity.of(client.ssl())).isEqualTo(new PeerIdentity.Node(NodeId.of(1)));
        assertThat(serverOutcome()).isEqualTo(new PeerIdentity.Node(NodeId.of(2)));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aClientCertificateIdentifiesTheClient(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        Connection client = connect(server, TlsContexts.client(admin, provider));
        assertThat(client.handshakeFailure()).isNull();
        assertThat(serverOutcome()).isEqualTo(new PeerIdentity.Client("admin"));
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aClientWithoutACertificateConnectsAsAnonymous(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        Connection client = connect(server, TlsContexts.client(node1.ca(), provider));
        assertThat(client.handshakeFailure()).isNull();
        assertThat(PeerIdentity.of(client.ssl())).isEqualTo(new PeerIdentity.Node(NodeId.of(1)));
        assertThat(serverOutcome()).isEqualTo(new PeerIdentity.Anonymous());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCertificateFromAnotherCaIsRefused(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        TlsMaterial foreign = TlsMaterial.load(foreignClient);
        SslContext context = hostileClient(foreign.key(), foreign.chainArray(), provider);
        Connection client = connect(server, context);
        assertThat(serverOutcome()).isInstanceOf(SSLHandshakeException.class);
        assertClosed(client);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCaSignedCertificateWithoutARaftkvSubjectIsRefused(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        X509Certificate ca = Pem.readCertificates(node1.ca()).getFirst();
        PrivateKey caKey = Pem.readPrivateKey(certificates.resolve("ca.key"), ca);
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Instant now = Instant.now();
        X509Certificate stranger =
                new JcaX509CertificateConverter()
                        .getCertificate(
                                new JcaX509v3CertificateBuilder(
                                                ca,
                                                BigInteger.TWO,
                                                Date.from(now.minusSeconds(60)),
                                                Date.from(now.plusSeconds(600)),
                                                new X500Name("CN=intruder, O=raftkv, OU=admin"),
                                                pair.getPublic())
                                        .build(
                                                new JcaContentSignerBuilder("SHA256withECDSA")
                                                        .build(caKey)));
        Connection client =
                connect(
                        server,
                        hostileClient(
                                pair.getPrivate(), new X509Certificate[] {stranger}, provider));
        assertThat(serverOutcome()).isInstanceOf(SSLHandshakeException.class);
        assertClosed(client);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aClientThatDoesNotTrustTheCaRefusesTheServer(SslProvider provider) throws Exception {
        InetSocketAddress server = serve(TlsContexts.server(node1, provider));
        Connection client = connect(server, TlsContexts.client(foreignClient.ca(), provider));
        assertThat(client.handshakeFailure()).isInstanceOf(SSLHandshakeException.class);
        assertClosed(client);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aServerPresentingAClientCertificateIsRefused(SslProvider provider) throws Exception {
        TlsMaterial client = TlsMaterial.load(admin);
        SslContext impostor =
                SslContextBuilder.forServer(client.key(), client.chainArray())
                        .sslProvider(provider)
                        .clientAuth(ClientAuth.NONE)
                        .build();
        InetSocketAddress server = serve(impostor);
        Connection connection = connect(server, TlsContexts.client(node2, provider));
        assertThat(connection.handshakeFailure()).isInstanceOf(SSLHandshakeException.class);
    }
}
