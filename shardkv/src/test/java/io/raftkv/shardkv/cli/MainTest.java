package io.raftkv.shardkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exit codes and error lines of the command line. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void captureOutput() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void demoRunsForItsDurationAndExitsZero() {
        assertThat(
                        Main.run(
                                "demo",
                                "--duration",
                                "2",
                                "--groups",
                                "2",
                                "--port",
                                "0",
                                "--redis-port",
                                "0"))
                .isEqualTo(0);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text)
                .contains(
                        "raftkv demo: 3 nodes, 2 replica groups",
                        "export RAFTKV_CONTROLLERS=127.0.0.1:",
                        "shard config 1",
                        "100 ",
                        "101 ",
                        "t=2s");
    }

    @Test
    void aMistypedFlagIsAUsageErrorOnOneLine() {
        assertThat(Main.run("demo", "--nodez", "3")).isEqualTo(2);
        String error = err.toString(StandardCharsets.UTF_8);
        assertThat(error).startsWith("error: Unknown option").contains("--help");
        assertThat(error.lines().count()).isEqualTo(1);
    }

    @Test
    void anOutOfRangeValueIsAUsageError() {
        assertThat(Main.run("demo", "--nodes", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: --nodes must be 1-9");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertThat(Main.run("demoo")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("error: Unmatched argument");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(Main.run("--help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("demo", "node", "admin", "kv", "shell");
    }
}
