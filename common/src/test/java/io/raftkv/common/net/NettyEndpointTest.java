package io.raftkv.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames over real loopback sockets: delivery, reconnects, and bad input closing only its own
 * connection.
 */
class NettyEndpointTest {
    record Ping(long value) {}

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private final LinkedBlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private NettyEndpoint server;
    private NettyEndpoint client;

    private static WireCodec codec() {
        return new WireCodec(List.of(Ping.class), 1 << 16);
    }

    private NettyEndpoint serverOn(InetSocketAddress address) throws InterruptedException {
        NettyEndpoint endpoint =
                new NettyEndpoint("server", codec(), (connection, frame) -> received.add(frame));
        endpoint.listen(address);
        return endpoint;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private boolean send(NodeId to, Object frame) {
        return CompletableFuture.supplyAsync(() -> client.send(to, frame), client.loop()).join();
    }

    private Object nextReceived() throws InterruptedException {
        return received.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void closeEndpoints() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void framesSentBeforeTheConnectionIsUpArriveInOrder() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        client = new NettyEndpoint("client", codec(), (connection, frame) -> {});
        client.addPeer(NodeId.of(1), address);
        for (long i = 1; i <= 3; i++) {
            assertThat(send(NodeId.of(1), new Ping(i))).isTrue();
        }
        assertThat(List.of(nextReceived(), nextReceived(), nextReceived()))
                .containsExactly(new Ping(1), new Ping(2), new Ping(3));
    }

    @Test
    void aRestartedPeerIsReachedAgain() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        client = new NettyEndpoint("client", codec(), (connection, frame) -> {});
        client.addPeer(NodeId.of(1), address);
        send(NodeId.of(1), new Ping(1));
        assertThat(nextReceived()).isEqualTo(new Ping(1));
        server.close();
        server = serverOn(address);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Object got = null;
        for (long i = 2; got == null && System.nanoTime() < deadline; i++) {
            send(NodeId.of(1), new Ping(i));
            got = received.poll(50, TimeUnit.MILLISECONDS);
        }
        assertThat(got).as("a frame reached the restarted peer").isInstanceOf(Ping.class);
    }

    @Test
    void aMalformedFrameClosesOnlyItsConnection() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            OutputStream out = raw.getOutputStream();
            out.write(ByteBuffer.allocate(8).putInt(4).putInt(0xDEADBEEF).array());
            out.flush();
            assertThat(raw.getInputStream().read())
                    .as("the server closed the connection")
                    .isEqualTo(-1);
        }
        client = new NettyEndpoint("client", codec(), (connection, frame) -> {});
        client.addPeer(NodeId.of(1), address);
        send(NodeId.of(1), new Ping(42));
        assertThat(nextReceived()).isEqualTo(new Ping(42));
        assertThat(server.connectionsRejected()).isEqualTo(1);
    }

    /**
     * A frame of a few bytes that declares a 1 GiB byte array is refused before anything is
     * allocated: its connection closes, and a connection already open to the same endpoint goes on
     * delivering frames.
     */
    @Test
    void aHostileFrameClosesOnlyItsConnectionWhileAnotherKeepsWorking() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        try (Socket good = new Socket(address.getAddress(), address.getPort());
                Socket hostile = new Socket(address.getAddress(), address.getPort())) {
            writeFrame(good, codec().encode(new Hello("", 0)));
            writeFrame(good, codec().encode(new Ping(1)));
            assertThat(nextReceived()).isEqualTo(new Ping(1));

            byte[] emptyArray = codec().encode(new byte[0]);
            byte[] declaringOneGibibyte = Arrays.copyOf(emptyArray, emptyArray.length + 4);
            byte[] lengthPlusOne = {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04};
            System.arraycopy(lengthPlusOne, 0, declaringOneGibibyte, emptyArray.length - 1, 5);
            long allocatedBefore = serverLoopAllocatedBytes();
            writeFrame(hostile, declaringOneGibibyte);
            assertThat(hostile.getInputStream().read())
                    .as("the hostile connection is closed")
                    .isEqualTo(-1);
            assertThat(serverLoopAllocatedBytes() - allocatedBefore)
                    .as("bytes the server's loop allocated refusing the frame")
                    .isLessThan(16 << 20);

            writeFrame(good, codec().encode(new Ping(2)));
            assertThat(nextReceived()).isEqualTo(new Ping(2));
            assertThat(server.connectionsRejected()).isEqualTo(1);
        }
    }

    /** What the thread of the endpoint named "server" has allocated so far. */
    private static long serverLoopAllocatedBytes() {
        Thread loop =
                Thread.getAllStackTraces().keySet().stream()
                        .filter(thread -> thread.getName().equals("server"))
                        .findFirst()
                        .orElseThrow();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        return threads.getThreadAllocatedBytes(loop.threadId());
    }

    private static void writeFrame(Socket socket, byte[] frame) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(ByteBuffer.allocate(4 + frame.length).putInt(frame.length).put(frame).array());
        out.flush();
    }

    @Test
    void closingAnEndpointClosesTheConnectionsItAccepted() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            raw.setSoTimeout((int) PATIENCE.toMillis());
            received.poll(100, TimeUnit.MILLISECONDS);
            server.close();
            server = null;
            assertThat(raw.getInputStream().read()).as("end of stream after close").isEqualTo(-1);
        }
    }

    @Test
    void anOversizedFrameClosesItsConnection() throws Exception {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        server = serverOn(address);
        try (Socket raw = new Socket(address.getAddress(), address.getPort())) {
            raw.getOutputStream().write(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
            raw.getOutputStream().flush();
            assertThat(raw.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(server.connectionsRejected()).isEqualTo(1);
    }
}
