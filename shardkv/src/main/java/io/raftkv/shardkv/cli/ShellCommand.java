package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv shell}: one command per line on stdin ({@code get k}, {@code put k v}, {@code
 * append k v}, {@code delete k}, {@code cas k old new}), one result per line on stdout in the same
 * order. Words may be double-quoted with escapes ({@link ShellSyntax}); an unquoted value of put or
 * append is the rest of the line ({@code put k hello world}). Values print quoted, a missing key as
 * the unquoted {@code (nil)}; with {@code --output json}, each result is one JSON object.
 */
@Command(
        name = "shell",
        mixinStandardHelpOptions = true,
        description = {
            "Reads commands from stdin, one per line (get k | put k v | append k v | delete k |"
                    + " cas k old new), and prints one result per line: OK, the value in double"
                    + " quotes, (nil) for a missing key, or ERR <CODE> <message>.",
            "Words may be double-quoted, with the escapes \\n \\r \\t \\\\ \\\" \\xHH (\"\" is an"
                    + " empty value); an unquoted value of put or append is the rest of the line."
                    + " In cas, an unquoted (nil) means the key is missing."
        })
final class ShellCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    /** With json, one JSON object per result line. */
    @Mixin OutputOption output;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean interactive = System.console() != null && !output.json();
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (ShardKvClient client = cluster.client()) {
            if (interactive) {
                out.print("raftkv> ");
                out.flush();
            }
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    out.println(answer(client, line.strip(), output.format));
                }
                if (interactive) {
                    out.print("raftkv> ");
                }
                out.flush();
            }
        }
        return Results.EXIT_OK;
    }

    /** The result line for one command line. */
    static String answer(ShardKvClient client, String line, OutputFormat format) {
        KvOp op;
        try {
            op = parse(line);
        } catch (IllegalArgumentException bad) {
            return format == OutputFormat.JSON
                    ? Json.object(
                            List.of(
                                    Json.field("ok", "false"),
                                    Json.field("code", Json.string("USAGE")),
                                    Json.field("message", Json.string(bad.getMessage())),
                                    Json.field("outcome", Json.string("failed"))))
                    : "ERR USAGE " + bad.getMessage();
        }
        KvResult result = client.run(op);
        if (format == OutputFormat.JSON) {
            return Results.json(result, ValueEncoding.TEXT);
        }
        if (!Results.ok(result)) {
            return "ERR " + Results.error(result);
        }
        return result instanceof KvResult.Value value && value.value() != null
                ? ShellSyntax.quote(value.value())
                : Results.text(result, ValueEncoding.TEXT);
    }

    static KvOp parse(String line) {
        List<ShellSyntax.Word> words = ShellSyntax.words(line);
        String verb = new String(words.get(0).bytes(), StandardCharsets.UTF_8).toLowerCase();
        return switch (verb) {
            case "get" -> new KvOp.Get(key(words, "get KEY"));
            case "delete" -> new KvOp.Delete(key(words, "delete KEY"));
            case "put" -> new KvOp.Put(keyOf(words, "put KEY VALUE"), value(line, words));
            case "append" -> new KvOp.Append(keyOf(words, "append KEY VALUE"), value(line, words));
            case "cas" -> cas(words);
            default -> throw new IllegalArgumentException("unknown command " + verb);
        };
    }

    private static KvOp cas(List<ShellSyntax.Word> words) {
        if (words.size() != 4) {
            throw new IllegalArgumentException("usage: cas KEY EXPECTED NEW");
        }
        ShellSyntax.Word expected = words.get(2);
        boolean missing =
                !expected.quoted()
                        && Results.NIL.equals(new String(expected.bytes(), StandardCharsets.UTF_8));
        return new KvOp.CompareAndSet(
                words.get(1).bytes(), missing ? null : expected.bytes(), words.get(3).bytes());
    }

    /** The key of a command that takes only a key. */
    private static byte[] key(List<ShellSyntax.Word> words, String usage) {
        if (words.size() != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return words.get(1).bytes();
    }

    /** The key of a command that takes a key and a value. */
    private static byte[] keyOf(List<ShellSyntax.Word> words, String usage) {
        if (words.size() < 3) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return words.get(1).bytes();
    }

    /** A quoted value alone after the key, or the unquoted rest of the line. */
    private static byte[] value(String line, List<ShellSyntax.Word> words) {
        ShellSyntax.Word value = words.get(2);
        if (!value.quoted()) {
            return ShellSyntax.rest(line, words.get(1).end()).getBytes(StandardCharsets.UTF_8);
        }
        if (words.size() > 3) {
            throw new IllegalArgumentException("a quoted value must end the line");
        }
        return value.bytes();
    }
}
