package io.raftkv.shardkv.redis;

import io.raftkv.common.Check;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One command as a client sent it: its name and arguments as byte strings, {@code arguments.get(0)}
 * being the name.
 *
 * @param bytes the bytes of all the arguments, for accounting
 */
public record RespCommand(List<byte[]> arguments, long bytes) {
    public RespCommand {
        Check.argument(!arguments.isEmpty(), "a command has a name");
        arguments = List.copyOf(arguments);
    }

    /** A command of these text arguments (tests, inline commands). */
    public static RespCommand of(String... arguments) {
        List<byte[]> bytes =
                java.util.Arrays.stream(arguments)
                        .map(a -> a.getBytes(StandardCharsets.UTF_8))
                        .toList();
        return new RespCommand(bytes, bytes.stream().mapToLong(b -> b.length).sum());
    }

    /** The command's name in upper case, as the command table keys it. */
    public String name() {
        return text(0).toUpperCase(Locale.ROOT);
    }

    /** Argument {@code index} (0: the name) as text. */
    public String text(int index) {
        return new String(arguments.get(index), StandardCharsets.UTF_8);
    }

    /** Argument {@code index} as raw bytes. */
    public byte[] argument(int index) {
        return arguments.get(index);
    }

    /** The number of arguments, the name included (Redis's arity counts it too). */
    public int count() {
        return arguments.size();
    }
}
