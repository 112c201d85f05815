package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code raftkv kv get|put|append|delete|cas}: one operation against a cluster. */
@Command(
        name = "kv",
        mixinStandardHelpOptions = true,
        description = {
            "Reads or writes one key. Prints OK, the value, or (nil) for a missing key (with"
                    + " --output json, one object: {\"ok\":true,\"value\":...}).",
            "A VALUE of - is read from stdin, byte for byte. With --hex or --base64, values given"
                    + " and printed are in that encoding, so any bytes can be stored.",
            "Exit codes: 0 done; 1 failed, nothing was applied; 2 usage error; 3 unknown outcome,"
                    + " the write may or may not have been applied."
        })
final class KvOpsCommand {
    /** The most bytes a value read from stdin may have: one more than a value may. */
    private static final int STDIN_BYTES_MAX = KvOp.VALUE_BYTES_MAX + 1;

    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @ArgGroup(exclusive = true)
    Encoding encoding = new Encoding();

    @Mixin OutputOption output;

    /** {@code --hex} or {@code --base64}: how values are given and printed. */
    static final class Encoding {
        @Option(
                names = "--hex",
                scope = ScopeType.INHERIT,
                description = "Values are given and printed in hex.")
        boolean hex;

        @Option(
                names = "--base64",
                scope = ScopeType.INHERIT,
                description = "Values are given and printed in base64.")
        boolean base64;

        ValueEncoding value() {
            return hex ? ValueEncoding.HEX : base64 ? ValueEncoding.BASE64 : ValueEncoding.TEXT;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints KEY's value.")
    int get(@Parameters(paramLabel = "KEY") String key) {
        return run(new KvOp.Get(bytes(key)));
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Sets KEY to VALUE.")
    int put(
            @Parameters(paramLabel = "KEY") String key,
            @Parameters(paramLabel = "VALUE") String value) {
        return run(new KvOp.Put(bytes(key), value(value)));
    }

    @Command(
            name = "append",
            mixinStandardHelpOptions = true,
            description = "Appends VALUE to KEY's value.")
    int append(
            @Parameters(paramLabel = "KEY") String key,
            @Parameters(paramLabel = "VALUE") String value) {
        return run(new KvOp.Append(bytes(key), value(value)));
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Removes KEY.")
    int delete(@Parameters(paramLabel = "KEY") String key) {
        return run(new KvOp.Delete(bytes(key)));
    }

    @Command(
            name = "cas",
            mixinStandardHelpOptions = true,
            description =
                    "Sets KEY to NEW if it holds EXPECTED ((nil): if it is missing);"
                            + " exits 1 with MISMATCH otherwise.")
    int cas(
            @Parameters(paramLabel = "KEY") String key,
            @Parameters(paramLabel = "EXPECTED") String expected,
            @Parameters(paramLabel = "NEW") String value) {
        byte[] expectedBytes = Results.NIL.equals(expected) ? null : value(expected);
        return run(new KvOp.CompareAndSet(bytes(key), expectedBytes, value(value)));
    }

    private int run(KvOp op) {
        try (ShardKvClient client = cluster.client()) {
            KvResult result = client.run(op);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                out.println(Results.json(result, encoding.value()));
            } else if (Results.ok(result)) {
                out.println(Results.text(result, encoding.value()));
            } else {
                spec.commandLine().getErr().println("error: " + Results.error(result));
            }
            return Results.exitCode(result);
        }
    }

    /** A value argument: stdin's bytes for {@code -}, else decoded as the flags say. */
    private byte[] value(String argument) {
        if (argument.equals("-")) {
            return stdin();
        }
        try {
            return encoding.value().decode(argument);
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(
                    spec.commandLine(),
                    "'%s' is no %s value: %s"
                            .formatted(
                                    argument,
                                    encoding.value().name().toLowerCase(),
                                    bad.getMessage()));
        }
    }

    /** Stdin's bytes, at most one more than a value may have (so a larger one is refused). */
    private static byte[] stdin() {
        try {
            InputStream in = System.in;
            return in.readNBytes(STDIN_BYTES_MAX);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the value from stdin", e);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
