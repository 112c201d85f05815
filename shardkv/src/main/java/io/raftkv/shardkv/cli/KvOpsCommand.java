package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code raftkv kv get|put|append|delete|cas}: one operation against a cluster. */
@Command(
        name = "kv",
        mixinStandardHelpOptions = true,
        description = {
            "Reads or writes one key. Prints OK, the value, or (nil) for a missing key.",
            "Exit codes: 0 done; 1 failed, nothing was applied; 2 usage error; 3 unknown outcome,"
                    + " the write may or may not have been applied."
        })
final class KvOpsCommand {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Prints KEY's value.")
    int get(@Parameters(paramLabel = "KEY") String key) {
        return run(new KvOp.Get(bytes(key)));
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Sets KEY to VALUE.")
    int put(
            @Parameters(paramLabel = "KEY") String key,
            @Parameters(paramLabel = "VALUE") String value) {
        return run(new KvOp.Put(bytes(key), bytes(value)));
    }

    @Command(
            name = "append",
            mixinStandardHelpOptions = true,
            description = "Appends VALUE to KEY's value.")
    int append(
            @Parameters(paramLabel = "KEY") String key,
            @Parameters(paramLabel = "VALUE") String value) {
        return run(new KvOp.Append(bytes(key), bytes(value)));
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
        byte[] expectedBytes = Results.NIL.equals(expected) ? null : bytes(expected);
        return run(new KvOp.CompareAndSet(bytes(key), expectedBytes, bytes(value)));
    }

    private int run(KvOp op) {
        try (ShardKvClient client = cluster.client()) {
            KvResult result = client.run(op);
            if (Results.ok(result)) {
                spec.commandLine().getOut().println(Results.text(result));
            } else {
                spec.commandLine().getErr().println("error: " + Results.error(result));
            }
            return Results.exitCode(result);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
