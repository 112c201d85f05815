package io.raftkv.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.CertificateAuthority;
import io.raftkv.common.net.tls.TlsContexts;
import io.raftkv.common.net.tls.TlsFiles;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every connection starts with the dialer's hello: a listener admits nodes of its own cluster as
 * peers and clients as clients, and closes the connection of anyone else before any frame of theirs
 * reaches the handler.
 */
class HandshakeTest {
    record Ping(long value) {}

    /** A frame and the origin the listener saw it from. */
    record Received(Origin origin, Object frame) {}

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final int FRAME_BYTES_MAX = 1 << 16;
    private static final NodeId SERVER = NodeId.of(1);
    private static final NodeId DIALER = NodeId.of(7);

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private NettyEndpoint server;
    private NettyEndpoint dialer;
    private InetSocketAddress address;

    private static WireCodec codec() {
        return new WireCodec(List.of(Ping.class), FRAME_BYTES_MAX);
    }

    private void listen() throws InterruptedException {
        listen(EndpointIdentity.node("prod", SERVER));
    }

    private void listen(EndpointIdentity identity) throws InterruptedException {
        server =
                new NettyEndpoint(
                        "server",
                        codec(),
                        (connection, frame) ->
                                received.add(new Received(connection.origin(), frame)),
                        identity);
        address = server.listen(new InetSocketAddress("127.0.0.1", 0));
    }

    // ---------------------------------------------------------------- with TLS

    @TempDir Path certificates;

    private CertificateAuthority authority() throws IOException {
        return CertificateAuthority.create(certificates, Duration.ofDays(1), false);
    }

    private TlsFiles node(CertificateAuthority ca, NodeId id) throws IOException {
        return ca.issueNode(id, List.of("127.0.0.1"), Duration.ofDays(1), false);
    }

    @Test
    void withTlsANodeHoldingItsCertificateIsAdmittedAsThatPeer() throws Exception {
        CertificateAuthority ca = authority();
        listen(EndpointIdentity.node("prod", SERVER, node(ca, SERVER)));
        dialAs(EndpointIdentity.node("prod", DIALER, node(ca, DIALER)));

        send(new Ping(10));

        assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new Received(new Origin.Peer(DIALER), new Ping(10)));
    }

    @Test
    void withTlsANodeClaimingAnotherNodesIdIsRefused() throws Exception {
        CertificateAuthority ca = authority();
        listen(EndpointIdentity.node("prod", SERVER, node(ca, SERVER)));
        TlsFiles dialersOwn = node(ca, DIALER);
        EndpointIdentity impostor =
                new EndpointIdentity(
                        "prod",
                        Optional.of(NodeId.of(3)),
                        Optional.empty(),
                        Optional.of(TlsContexts.client(dialersOwn)));
        dialAs(impostor);

        send(new Ping(11));

        awaitRejections(1);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void withTlsAClientCertificateMakesAnAdminAndNoneAPlainClient() throws Exception {
        CertificateAuthority ca = authority();
        listen(EndpointIdentity.node("prod", SERVER, node(ca, SERVER)));
        TlsFiles admin = ca.issueClient("ops", Duration.ofDays(1), false);

        dialAs(EndpointIdentity.tlsClient(admin.ca(), Optional.of(admin)));
        send(new Ping(12));
        assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new Received(new Origin.Admin(), new Ping(12)));
        dialer.close();

        dialAs(EndpointIdentity.tlsClient(admin.ca(), Optional.empty()));
        send(new Ping(13));
        assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new Received(new Origin.Client(), new Ping(13)));
    }

    @Test
    void withTlsAPlaintextDialerIsRefused() throws Exception {
        CertificateAuthority ca = authority();
        listen(EndpointIdentity.node("prod", SERVER, node(ca, SERVER)));
        dialAs(EndpointIdentity.node("prod", DIALER));

        send(new Ping(14));

        awaitRejections(1);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    private void dialAs(EndpointIdentity identity) {
        dialer = new NettyEndpoint("dialer", codec(), (connection, frame) -> {}, identity);
        dialer.addPeer(SERVER, address);
    }

    private void send(Object frame) {
        CompletableFuture.runAsync(() -> dialer.send(SERVER, frame), dialer.loop()).join();
    }

    @AfterEach
    void close() {
        if (dialer != null) {
            dialer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNodeOfTheSameClusterIsAdmittedAsThatPeer() throws Exception {
        listen();
        dialAs(EndpointIdentity.node("prod", DIALER));

        send(new Ping(1));

        assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new Received(new Origin.Peer(DIALER), new Ping(1)));
    }

    @Test
    void aClientIsAdmittedAsAnAdminClientWhileTlsIsOff() throws Exception {
        listen();
        dialAs(EndpointIdentity.client());

        send(new Ping(2));

        assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(new Received(new Origin.Admin(), new Ping(2)));
    }

    @Test
    void aNodeOfAnotherClusterIsRefusedAndNoFrameOfItsArrives() throws Exception {
        listen();
        dialAs(EndpointIdentity.node("staging", DIALER));

        send(new Ping(3));

        awaitRejections(1);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aClientNamingAnotherClusterIsRefused() throws Exception {
        listen();
        dialAs(
                new EndpointIdentity(
                        "staging", Optional.empty(), Optional.empty(), Optional.empty()));

        send(new Ping(4));

        awaitRejections(1);
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aFrameBeforeTheHelloClosesTheConnection() throws Exception {
        listen();
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            writeFrames(raw, codec().encode(new Ping(5)));
            assertThat(raw.getInputStream().read()).as("closed").isEqualTo(-1);
        }
        assertThat(server.connectionsRejected()).isEqualTo(1);
        assertThat(received).isEmpty();
    }

    @Test
    void aSecondHelloClosesTheConnection() throws Exception {
        listen();
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            writeFrames(
                    raw,
                    codec().encode(new Hello("prod", 0)),
                    codec().encode(new Hello("prod", DIALER.value())),
                    codec().encode(new Ping(6)));
            assertThat(raw.getInputStream().read()).as("closed").isEqualTo(-1);
        }
        assertThat(server.connectionsRejected()).isEqualTo(1);
        assertThat(received).isEmpty();
    }

    /** The encoder's limit and the decoder's are the same number of frame bytes. */
    @Test
    void aFrameOfExactlyTheLimitIsDelivered() throws Exception {
        listen();
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            writeFrames(raw, codec().encode(new Hello("", 0)));
            byte[] largest = largestFrame();
            assertThat(largest).hasSize(FRAME_BYTES_MAX);
            writeFrames(raw, largest);
            assertThat(received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .isNotNull()
                    .extracting(Received::frame)
                    .isInstanceOf(byte[].class);
        }
        assertThat(server.connectionsRejected()).isZero();
    }

    /** The encoding of the largest byte array the codec encodes: exactly the frame limit. */
    private static byte[] largestFrame() {
        for (int length = FRAME_BYTES_MAX; ; length--) {
            try {
                return codec().encode(new byte[length]);
            } catch (IllegalArgumentException tooLarge) {
                // one byte less
            }
        }
    }

    /** Writes the frames in one write, so none meets a connection closed by an earlier one. */
    private static void writeFrames(Socket socket, byte[]... frames) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (byte[] frame : frames) {
            out.writeInt(frame.length);
            out.write(frame);
        }
        socket.getOutputStream().write(bytes.toByteArray());
        socket.getOutputStream().flush();
    }

    private void awaitRejections(long count) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (server.connectionsRejected() < count && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertThat(server.connectionsRejected()).isGreaterThanOrEqualTo(count);
    }
}
