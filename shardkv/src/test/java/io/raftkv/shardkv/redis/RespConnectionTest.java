package io.raftkv.shardkv.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * One connection on an embedded channel: replies in request order whatever order operations
 * complete in, reading paused while too much is under way, and closing after QUIT or a protocol
 * error with the replies before them written first.
 */
class RespConnectionTest {
    private final StoreBackend backend = new StoreBackend();

    private EmbeddedChannel connection(int pendingOperationsMax) {
        return new EmbeddedChannel(
                new RespConnection(
                        CommandTable.standard(),
                        backend,
                        new ServerStats(10, false),
                        RespDecoder.Limits.defaults(),
                        pendingOperationsMax));
    }

    private static void send(EmbeddedChannel channel, String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        channel.runPendingTasks();
    }

    /** Everything the connection has written so far. */
    private static String written(EmbeddedChannel channel) {
        channel.runPendingTasks();
        StringBuilder text = new StringBuilder();
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            text.append(out.toString(StandardCharsets.UTF_8));
            out.release();
        }
        return text.toString();
    }

    @Test
    void repliesComeInRequestOrderWhateverOrderOperationsCompleteIn() {
        EmbeddedChannel channel = connection(100);
        send(channel, "SET a 1\r\nSET b 2\r\n");
        backend.held.forEach(StoreBackend.Held::complete);
        assertThat(written(channel)).isEqualTo("+OK\r\n+OK\r\n");
        backend.holding();
        send(channel, "GET a\r\nGET b\r\nPING\r\n");
        assertThat(written(channel)).as("PING waits behind the gets").isEmpty();
        backend.held.get(1).complete();
        assertThat(written(channel)).as("b waits behind a").isEmpty();
        backend.held.get(0).complete();
        assertThat(written(channel)).isEqualTo("$1\r\n1\r\n$1\r\n2\r\n+PONG\r\n");
    }

    @Test
    void aConnectionsOperationsOnOneKeyRunInTheOrderItSentThem() {
        EmbeddedChannel channel = connection(100);
        backend.holding();
        send(channel, "SET k 1\r\nGET k\r\nGET other\r\n");
        assertThat(backend.ops).as("the get of k waits for the set; other goes at once").hasSize(2);
        backend.held.get(0).complete();
        channel.runPendingTasks();
        assertThat(backend.ops).hasSize(3);
        backend.held.get(1).complete();
        backend.held.get(2).complete();
        assertThat(written(channel)).isEqualTo("+OK\r\n$1\r\n1\r\n$-1\r\n");
    }

    @Test
    void aConnectionWithTooMuchUnderWayIsNotReadUntilItDrains() {
        EmbeddedChannel channel = connection(2);
        backend.holding();
        send(channel, "GET a\r\nGET b\r\nGET c\r\nGET d\r\nGET e\r\n");
        assertThat(backend.ops).as("operations started").hasSize(2);
        assertThat(channel.config().isAutoRead()).isFalse();
        backend.held.get(0).complete();
        assertThat(written(channel)).isEqualTo("$-1\r\n");
        assertThat(backend.ops).hasSize(3);
        for (int i = 1; i < 5; i++) {
            backend.held.get(i).complete();
            channel.runPendingTasks();
        }
        assertThat(written(channel)).isEqualTo("$-1\r\n".repeat(4));
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aProtocolErrorIsAnsweredAfterTheRepliesBeforeItAndCloses() {
        EmbeddedChannel channel = connection(100);
        send(channel, "PING\r\n*1\r\n$x\r\nPING\r\n");
        assertThat(written(channel))
                .isEqualTo("+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void quitRepliesAndClosesWithoutRunningWhatFollows() {
        EmbeddedChannel channel = connection(100);
        send(channel, "PING\r\nQUIT\r\nSET k v\r\n");
        assertThat(written(channel)).isEqualTo("+PONG\r\n+OK\r\n");
        assertThat(channel.isOpen()).isFalse();
        assertThat(backend.ops).isEmpty();
    }
}
