package io.raftkv.shardkv.redis;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftkv.common.Check;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads client commands from a connection's bytes, one at a time, as Redis does: an array of bulk
 * strings ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}) or an inline command (a line of words split at
 * spaces and tabs, no quoting). Every size is checked when its header is read, before anything is
 * allocated for it: past a limit, or on anything that is not RESP, {@link #next} throws {@link
 * RespProtocolException} and the connection must be closed (the decoder is then unusable).
 *
 * <p>Incremental: a command split across reads is resumed where it stopped (arguments read so far
 * are kept; an argument is taken only once all its bytes are there). Owned by one connection's
 * event loop; not thread-safe.
 */
public final class RespDecoder {
    /**
     * @param argumentsMax arguments per command, the name included
     * @param bulkBytesMax bytes per argument; larger than a value may be, so that a value a little
     *     too large gets {@code -ERR ... too large} instead of a closed connection
     * @param commandBytesMax bytes of all the arguments of one command
     * @param inlineBytesMax bytes of an inline command's line
     */
    public record Limits(
            int argumentsMax, int bulkBytesMax, long commandBytesMax, int inlineBytesMax) {
        public Limits {
            Check.argument(argumentsMax >= 1 && bulkBytesMax >= 0, "limits must be positive");
            Check.argument(commandBytesMax >= bulkBytesMax, "a command holds a whole argument");
            Check.argument(inlineBytesMax >= 16, "an inline line holds at least 16 bytes");
        }

        /** 4,097 arguments, 4 MiB each, 16 MiB in all; inline lines of 64 KiB. */
        public static Limits defaults() {
            return new Limits(4097, 4 << 20, 16 << 20, 64 << 10);
        }
    }

    /** A header ({@code *N} or {@code $N}) and its CRLF: a sign, 19 digits and some slack. */
    private static final int HEADER_BYTES_MAX = 32;

    private final Limits limits;

    /** Arguments the current array still has to deliver; 0 between commands. */
    private int argumentsLeft;

    private List<byte[]> arguments;
    private long commandBytes;

    public RespDecoder(Limits limits) {
        this.limits = limits;
    }

    /**
     * The next whole command in {@code in}, consuming its bytes; null if {@code in} holds only the
     * start of one (whatever was read of it is kept here and consumed from {@code in}).
     *
     * @throws RespProtocolException on input that is not RESP or passes a limit
     */
    public RespCommand next(ByteBuf in) {
        while (argumentsLeft == 0) {
            if (!in.isReadable()) {
                return null;
            }
            if (in.getByte(in.readerIndex()) == '*') {
                long count = readHeader(in, '*', "multibulk length");
                if (count == Long.MIN_VALUE) {
                    return null;
                }
                if (count > limits.argumentsMax()) {
                    throw new RespProtocolException(
                            "invalid multibulk length (at most %d arguments)"
                                    .formatted(limits.argumentsMax()));
                }
                if (count > 0) { // NB: Redis ignores *0 and *-1
                    startCommand((int) count);
                }
            } else {
                int newline = findInlineEnd(in);
                if (newline < 0) {
                    return null;
                }
                List<byte[]> words = readInline(in, newline);
                if (!words.isEmpty()) {
                    return new RespCommand(words, words.stream().mapToLong(w -> w.length).sum());
                }
            }
        }
        return readArguments(in);
    }

    private void startCommand(int count) {
        argumentsLeft = count;
        arguments = new ArrayList<>(Math.min(count, 16));
        commandBytes = 0;
    }

    private RespCommand readArguments(ByteBuf in) {
        while (argumentsLeft > 0) {
            int start = in.readerIndex();
            if (!in.isReadable()) {
                return null;
            }
            byte kind = in.getByte(start);
            if (kind != '$') {
                throw new RespProtocolException(
                        "expected '$', got '%s'".formatted(printable(kind)));
            }
            long length = readHeader(in, '$', "bulk length");
            if (length == Long.MIN_VALUE) {
                return null;
            }
            if (length < 0 || length > limits.bulkBytesMax()) {
                throw new RespProtocolException(
                        "invalid bulk length (at most %d bytes)".formatted(limits.bulkBytesMax()));
            }
            if (commandBytes + length > limits.commandBytesMax()) {
                throw new RespProtocolException(
                        "command too large (at most %d bytes)".formatted(limits.commandBytesMax()));
            }
            if (in.readableBytes() < length + 2) {
                in.readerIndex(start); // NB: the header is read again once the bytes are here
                return null;
            }
            byte[] bytes = new byte[(int) length];
            in.readBytes(bytes);
            if (in.readByte() != '\r' || in.readByte() != '\n') {
                throw new RespProtocolException("a bulk string does not end with CRLF");
            }
            arguments.add(bytes);
            commandBytes += length;
            argumentsLeft--;
        }
        RespCommand command = new RespCommand(arguments, commandBytes);
        arguments = null;
        return command;
    }

    /**
     * Reads {@code <kind><integer>\r\n} and returns the integer, or {@link Long#MIN_VALUE} (and
     * consumes nothing) if the line is not all there yet.
     */
    private static long readHeader(ByteBuf in, char kind, String what) {
        int start = in.readerIndex();
        int searched = Math.min(in.readableBytes(), HEADER_BYTES_MAX);
        int newline = in.indexOf(start, start + searched, (byte) '\n');
        if (newline < 0) {
            if (searched == HEADER_BYTES_MAX) {
                throw new RespProtocolException("too big %s line".formatted(what));
            }
            return Long.MIN_VALUE;
        }
        Check.that(in.getByte(start) == kind, "a %s header starts with %s", what, kind);
        int end = newline - 1; // the '\r'
        if (end <= start + 1 || in.getByte(end) != '\r') {
            throw new RespProtocolException("invalid %s".formatted(what));
        }
        long value = parseInteger(in, start + 1, end, what);
        in.readerIndex(newline + 1);
        return value;
    }

    /** The decimal integer in {@code [from, to)}, at most 18 digits after an optional sign. */
    private static long parseInteger(ByteBuf in, int from, int to, String what) {
        boolean negative = in.getByte(from) == '-';
        int first = negative ? from + 1 : from;
        if (first == to || to - first > 18) {
            throw new RespProtocolException("invalid %s".formatted(what));
        }
        long value = 0;
        for (int i = first; i < to; i++) {
            byte digit = in.getByte(i);
            if (digit < '0' || digit > '9') {
                throw new RespProtocolException("invalid %s".formatted(what));
            }
            value = value * 10 + (digit - '0');
        }
        return negative ? -value : value;
    }

    /** Where the inline line at the reader index ends ('\n'), or -1 if it is not all there. */
    private int findInlineEnd(ByteBuf in) {
        int start = in.readerIndex();
        int searched = Math.min(in.readableBytes(), limits.inlineBytesMax());
        int newline = in.indexOf(start, start + searched, (byte) '\n');
        if (newline < 0 && searched == limits.inlineBytesMax()) {
            throw new RespProtocolException(
                    "too big inline request (at most %d bytes)".formatted(limits.inlineBytesMax()));
        }
        return newline;
    }

    /** Consumes the inline line ending at {@code newline} and returns its words (maybe none). */
    private List<byte[]> readInline(ByteBuf in, int newline) {
        int start = in.readerIndex();
        int end = newline > start && in.getByte(newline - 1) == '\r' ? newline - 1 : newline;
        List<byte[]> words = splitWords(in, start, end);
        in.readerIndex(newline + 1);
        return words;
    }

    private List<byte[]> splitWords(ByteBuf in, int from, int to) {
        List<byte[]> words = new ArrayList<>();
        int wordStart = -1;
        for (int i = from; i <= to; i++) {
            boolean blank = i == to || in.getByte(i) == ' ' || in.getByte(i) == '\t';
            if (!blank && wordStart < 0) {
                wordStart = i;
            } else if (blank && wordStart >= 0) {
                if (words.size() == limits.argumentsMax()) {
                    throw new RespProtocolException("too many arguments in an inline request");
                }
                byte[] word = new byte[i - wordStart];
                in.getBytes(wordStart, word);
                words.add(word);
                wordStart = -1;
            }
        }
        return words;
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? Character.toString(b) : "\\x%02x".formatted(b & 0xff);
    }

    /**
     * Every whole command in {@code bytes}, in order; a command cut off at the end is left out. For
     * tests and fuzzing.
     *
     * @throws RespProtocolException as {@link #next} does
     */
    public static List<RespCommand> decodeAll(byte[] bytes, Limits limits) {
        RespDecoder decoder = new RespDecoder(limits);
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        List<RespCommand> commands = new ArrayList<>();
        for (RespCommand command = decoder.next(in); command != null; command = decoder.next(in)) {
            commands.add(command);
        }
        return commands;
    }

    /** {@code commands} as arrays of bulk strings, as clients send them. For tests and fuzzing. */
    public static byte[] encode(List<RespCommand> commands) {
        ByteBuf out = Unpooled.buffer();
        for (RespCommand command : commands) {
            RespEncoder.writeArrayHeader(out, command.count());
            command.arguments().forEach(argument -> RespEncoder.writeBulk(out, argument));
        }
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }
}
