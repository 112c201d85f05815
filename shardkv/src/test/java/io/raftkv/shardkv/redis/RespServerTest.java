package io.raftkv.shardkv.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.CertificateAuthority;
import io.raftkv.common.net.tls.TlsContexts;
import io.raftkv.common.net.tls.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server on real sockets: plaintext, and TLS with the node's certificate when it has one. */
class RespServerTest {
    private static final String COMMANDS = "SET k v\r\nGET k\r\n";
    private static final String REPLIES = "+OK\r\n$1\r\nv\r\n";

    @TempDir Path root;

    private static RespServer start(Optional<io.netty.handler.ssl.SslContext> tls)
            throws InterruptedException {
        return RespServer.start(
                RespServer.Options.at(new InetSocketAddress("127.0.0.1", 0), tls),
                new StoreBackend());
    }

    /**
     * Writes {@code text} and reads {@code expectedBytes} bytes back (fewer if the server closes).
     */
    private static String exchange(Socket socket, String text, int expectedBytes)
            throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        byte[] reply = in.readNBytes(expectedBytes);
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    void pipelinedCommandsAreAnsweredOverPlainTcp() throws Exception {
        try (RespServer server = start(Optional.empty());
                Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
            assertThat(exchange(socket, COMMANDS, REPLIES.length())).isEqualTo(REPLIES);
        }
    }

    @Test
    void withTlsTheServerSpeaksRespOverTlsOnly() throws Exception {
        CertificateAuthority ca =
                CertificateAuthority.create(root.resolve("certs"), Duration.ofDays(1), false);
        TlsFiles node = ca.issueNode(NodeId.of(1), List.of("127.0.0.1"), Duration.ofDays(1), false);
        try (RespServer server = start(Optional.of(TlsContexts.server(node)))) {
            int port = server.address().getPort();
            try (SSLSocket socket =
                    (SSLSocket)
                            trusting(node.ca())
                                    .getSocketFactory()
                                    .createSocket("127.0.0.1", port)) {
                assertThat(exchange(socket, COMMANDS, REPLIES.length())).isEqualTo(REPLIES);
            }
            try (Socket plaintext = new Socket("127.0.0.1", port)) {
                assertThat(exchange(plaintext, "PING\r\n", 7))
                        .as("a plaintext client gets no RESP answer")
                        .doesNotContain("PONG");
            }
        }
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trusted.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
