package io.raftkv.it;

import io.raftkv.shardkv.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code raftkv} command run in this JVM through {@link Main#run}, as an operator would type
 * it: its exit code and what it printed. {@link #run} swaps {@code System.out} and {@code
 * System.err} while the command runs, so commands run one at a time; anything else this JVM prints
 * meanwhile (a log line of a client thread) lands in the command's output too.
 */
record Cli(int code, String out, String err) {
    /**
     * Runs {@code raftkv admin args...} against the controllers, nodes 1 to {@code controllers} of
     * {@code nodes}, waiting at most {@code waitSeconds} for a change to be carried out, and notes
     * it in the harness's events.
     */
    static Cli admin(NodeProcesses nodes, int controllers, int waitSeconds, String... args) {
        List<String> full = new ArrayList<>(List.of("admin"));
        full.addAll(
                List.of(
                        "--controllers",
                        NodeProcesses.controllerList(nodes.members(), controllers),
                        "--timeout",
                        "30",
                        "--wait-seconds",
                        Integer.toString(waitSeconds)));
        full.addAll(List.of(args));
        String command = "admin " + String.join(" ", args);
        nodes.note(command);
        Cli cli = run(full.toArray(String[]::new));
        nodes.note(command + " exited with " + cli.code());
        return cli;
    }

    /** Runs {@code raftkv args...} and returns its exit code, stdout and stderr. */
    static synchronized Cli run(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Cli(
                    code,
                    out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
