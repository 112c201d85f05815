package io.raftkv.shardkv.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RESP decoder: arrays and inline commands, split anywhere, and every way to be refused. */
class RespDecoderTest {
    private static final RespDecoder.Limits LIMITS = new RespDecoder.Limits(8, 64, 128, 32);

    private static List<List<String>> decode(String input) {
        return RespDecoder.decodeAll(input.getBytes(StandardCharsets.UTF_8), LIMITS).stream()
                .map(RespDecoderTest::words)
                .toList();
    }

    private static List<String> words(RespCommand command) {
        return command.arguments().stream()
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void arraysOfBulkStringsArePipelinedCommands() {
        assertThat(decode("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n"))
                .containsExactly(List.of("GET", "k"), List.of("PING"));
    }

    @Test
    void bulkStringsAreBinarySafe() {
        assertThat(decode("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n"))
                .containsExactly(List.of("ECHO", "a\r\nb"));
        assertThat(decode("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")).containsExactly(List.of("ECHO", ""));
    }

    @Test
    void inlineCommandsAreSplitAtBlanksAndEmptyLinesAndArraysAreSkipped() {
        assertThat(decode("set  k\tv\r\n\r\n*0\r\nping\n"))
                .containsExactly(List.of("set", "k", "v"), List.of("ping"));
    }

    @Test
    void aCommandSplitAnywhereIsResumedWhereItStopped() {
        byte[] whole =
                "*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\nPING\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
        for (int cut = 0; cut <= whole.length; cut++) {
            RespDecoder decoder = new RespDecoder(LIMITS);
            ByteBuf in = Unpooled.buffer();
            in.writeBytes(whole, 0, cut);
            List<RespCommand> found = new java.util.ArrayList<>();
            for (RespCommand c = decoder.next(in); c != null; c = decoder.next(in)) {
                found.add(c);
            }
            in.discardReadBytes();
            in.writeBytes(whole, cut, whole.length - cut);
            for (RespCommand c = decoder.next(in); c != null; c = decoder.next(in)) {
                found.add(c);
            }
            assertThat(found.stream().map(RespDecoderTest::words))
                    .as("cut at %d", cut)
                    .containsExactly(List.of("SET", "hello", "world"), List.of("PING"));
            assertThat(in.isReadable()).isFalse();
        }
    }

    @Test
    void oversizedInputIsRefusedOnItsHeaderBeforeItArrives() {
        assertThatThrownBy(() -> decode("*9\r\n"))
                .isInstanceOf(RespProtocolException.class)
                .hasMessageContaining("multibulk length");
        assertThatThrownBy(() -> decode("*1\r\n$65\r\n"))
                .isInstanceOf(RespProtocolException.class)
                .hasMessageContaining("invalid bulk length");
        assertThatThrownBy(
                        () -> decode("*3\r\n$3\r\nSET\r\n$64\r\n" + "x".repeat(64) + "\r\n$64\r\n"))
                .isInstanceOf(RespProtocolException.class)
                .hasMessageContaining("command too large");
        assertThatThrownBy(() -> decode("x".repeat(40)))
                .isInstanceOf(RespProtocolException.class)
                .hasMessageContaining("too big inline request");
        assertThatThrownBy(() -> decode("*1" + "1".repeat(40)))
                .isInstanceOf(RespProtocolException.class)
                .hasMessageContaining("too big multibulk length line");
    }

    @Test
    void malformedInputIsAProtocolError() {
        for (String bad :
                new String[] {
                    "*1\r\n+OK\r\n",
                    "*x\r\n",
                    "*1\r\n$-1\r\n",
                    "*1\r\n$2\r\nabc\r\n",
                    "*1\r\n$\r\n",
                    "*1\n",
                    "*-\r\n",
                    "*1\r\n$1x\r\n",
                    "*99999999999999999999\r\n"
                }) {
            assertThatThrownBy(() -> decode(bad))
                    .as("%s", bad.replace("\r\n", "\\r\\n"))
                    .isInstanceOf(RespProtocolException.class);
        }
    }

    @Test
    void commandsDecodeOrAreRefusedWithoutAllocatingPastTheirSize() {
        RespDecoder.Limits limits = RespDecoder.Limits.defaults();
        List<byte[]> corpus =
                List.of(
                        RespDecoder.encode(List.of(RespCommand.of("GET", "key"))),
                        RespDecoder.encode(
                                List.of(
                                        RespCommand.of("SET", "k", "v", "NX", "GET"),
                                        RespCommand.of("PING"))),
                        RespDecoder.encode(
                                List.of(RespCommand.of("MSET", "a", "1", "b", "", "c", "3"))),
                        RespDecoder.encode(List.of(RespCommand.of("ECHO", "a\r\nb\u00ff"))));
        DecoderFuzz.of(
                        "RespDecoder.decodeAll",
                        corpus,
                        LengthCoding.VARINT,
                        bytes -> RespDecoder.decodeAll(bytes, limits))
                .reencodedBy(RespDecoder::encode)
                .run(34_000_000, 20_000);
    }
}
