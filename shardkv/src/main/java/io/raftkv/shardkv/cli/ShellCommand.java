package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv shell}: one command per line on stdin ({@code get k}, {@code put k v}, {@code
 * append k v}, {@code delete k}, {@code cas k old new}), one result per line on stdout in the same
 * order. Values are the rest of the line after the key ({@code put k hello world}); cas takes
 * single words.
 */
@Command(
        name = "shell",
        mixinStandardHelpOptions = true,
        description =
                "Reads commands from stdin, one per line (get k | put k v | append k v | delete k |"
                        + " cas k old new), and prints one result per line: OK, the value, (nil),"
                        + " or ERR <CODE> <message>.")
final class ShellCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean interactive = System.console() != null;
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (ShardKvClient client = cluster.client()) {
            if (interactive) {
                out.print("raftkv> ");
                out.flush();
            }
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    out.println(answer(client, line.strip()));
                }
                if (interactive) {
                    out.print("raftkv> ");
                }
                out.flush();
            }
        }
        return 0;
    }

    /** The result line for one command line. */
    static String answer(ShardKvClient client, String line) {
        KvOp op;
        try {
            op = parse(line);
        } catch (IllegalArgumentException bad) {
            return "ERR USAGE " + bad.getMessage();
        }
        KvResult result = client.run(op);
        return Results.ok(result) ? Results.text(result) : "ERR " + Results.error(result);
    }

    static KvOp parse(String line) {
        String[] words = line.split("\\s+", 3);
        String verb = words[0].toLowerCase();
        return switch (verb) {
            case "get" -> new KvOp.Get(key(words, 2, "get KEY"));
            case "delete" -> new KvOp.Delete(key(words, 2, "delete KEY"));
            case "put" -> new KvOp.Put(key(words, 3, "put KEY VALUE"), bytes(words[2]));
            case "append" -> new KvOp.Append(key(words, 3, "append KEY VALUE"), bytes(words[2]));
            case "cas" -> cas(line);
            default -> throw new IllegalArgumentException("unknown command " + words[0]);
        };
    }

    private static KvOp cas(String line) {
        String[] words = line.split("\\s+");
        if (words.length != 4) {
            throw new IllegalArgumentException("usage: cas KEY EXPECTED NEW");
        }
        byte[] expected = Results.NIL.equals(words[2]) ? null : bytes(words[2]);
        return new KvOp.CompareAndSet(bytes(words[1]), expected, bytes(words[3]));
    }

    private static byte[] key(String[] words, int count, String usage) {
        if (words.length != count) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return bytes(words[1]);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
