package io.raftkv.shardkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.demo.DemoCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client commands against a live embedded cluster: each command's happy path and its errors,
 * with the documented exit code (0 success, 1 operation error, 2 usage error) and one readable line
 * on stderr.
 */
class CliTest {
    private static DemoCluster cluster;
    private static String controllers;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;
    private InputStream originalIn;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new DemoCluster(3, 2, null, 0);
        controllers = cluster.controllerList();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void captureOutput() {
        originalOut = System.out;
        originalErr = System.err;
        originalIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(originalOut);
        System.setErr(originalErr);
        System.setIn(originalIn);
    }

    private int kv(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "kv";
        full[1] = "--controllers";
        full[2] = controllers;
        System.arraycopy(args, 0, full, 3, args.length);
        return Main.run(full);
    }

    private int admin(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "admin";
        full[1] = "--controllers";
        full[2] = controllers;
        System.arraycopy(args, 0, full, 3, args.length);
        return Main.run(full);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String error() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void putGetAppendCasAndDelete() {
        assertThat(kv("put", "cli-k", "v1")).isEqualTo(0);
        assertThat(kv("append", "cli-k", "+2")).isEqualTo(0);
        assertThat(kv("get", "cli-k")).isEqualTo(0);
        assertThat(kv("cas", "cli-k", "v1+2", "v3")).isEqualTo(0);
        assertThat(kv("get", "cli-k")).isEqualTo(0);
        assertThat(kv("delete", "cli-k")).isEqualTo(0);
        assertThat(kv("get", "cli-k")).isEqualTo(0);
        assertThat(kv("cas", "cli-k", "(nil)", "fresh")).isEqualTo(0);
        assertThat(output().lines().toList())
                .containsExactly("OK", "OK", "v1+2", "OK", "v3", "OK", "(nil)", "OK");
        assertThat(error()).isEmpty();
    }

    @Test
    void aCasOnTheWrongValueFailsWithMismatch() {
        assertThat(kv("put", "cli-cas", "a")).isEqualTo(0);
        assertThat(kv("cas", "cli-cas", "b", "c")).isEqualTo(1);
        assertThat(error()).startsWith("error: MISMATCH").hasLineCount(1);
    }

    @Test
    void aValueTooLargeIsRefusedWithOneLineAndNoRetries() {
        long start = System.nanoTime();
        assertThat(kv("--timeout", "60", "put", "cli-big", "x".repeat((1 << 20) + 1))).isEqualTo(1);
        assertThat(error())
                .isEqualTo(
                        "error: TOO_LARGE value of 1048577 bytes exceeds 1048576; nothing was"
                                + " written"
                                + System.lineSeparator());
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("refused, not retried until the deadline")
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void anUnreachableControllerFailsAfterTheTimeout() {
        int code = Main.run("kv", "--controllers", "127.0.0.1:1", "--timeout", "1", "get", "k");
        assertThat(code).isEqualTo(1);
        assertThat(error()).startsWith("error: UNAVAILABLE").hasLineCount(1);
    }

    /** No controller answered, so the write never reached a group: a definite failure. */
    @Test
    void aWriteThatNeverReachedAGroupFailsWithNothingApplied() {
        int code =
                Main.run(
                        "kv",
                        "--controllers",
                        "127.0.0.1:1",
                        "--timeout",
                        "300ms",
                        "put",
                        "k",
                        "v");
        assertThat(code).isEqualTo(1);
        assertThat(error())
                .startsWith("error: UNAVAILABLE no result within 300 ms")
                .endsWith("nothing was applied" + System.lineSeparator());
    }

    @Test
    void timeoutsTakeUnitsAndABadOneIsAUsageError() {
        assertThat(kv("--timeout", "2s", "put", "cli-t", "1")).isEqualTo(0);
        assertThat(kv("--timeout", "1500ms", "get", "cli-t")).isEqualTo(0);
        assertThat(kv("--timeout", "1m", "get", "cli-t")).isEqualTo(0);
        assertThat(output().lines().toList()).containsExactly("OK", "1", "1");
        for (String bad : List.of("2h", "fast", "0s")) {
            err.reset();
            assertThat(kv("--timeout", bad, "get", "cli-t")).as(bad).isEqualTo(2);
            assertThat(error()).as(bad).contains("--timeout").hasLineCount(1);
        }
    }

    @Test
    void adminQueryOfAConfigNotMadeYetIsAnError() {
        assertThat(admin("query", "99999")).isEqualTo(1);
        assertThat(error())
                .startsWith("error: config 99999 does not exist; the latest is config ")
                .hasLineCount(1);
        err.reset();
        assertThat(admin("query", "-5")).isEqualTo(2);
        assertThat(error()).startsWith("error: config numbers start at 0").hasLineCount(1);
        assertThat(admin("query", "0")).isEqualTo(0);
        assertThat(output()).startsWith("config 0");
    }

    @Test
    void missingControllersAndBadFlagsAreUsageErrors() {
        assertThat(Main.run("kv", "--controllers", "", "get", "k")).isEqualTo(2);
        assertThat(error()).startsWith("error: no controllers").hasLineCount(1);
        err.reset();
        assertThat(kv("get")).isEqualTo(2);
        assertThat(error()).startsWith("error: Missing required parameter").hasLineCount(1);
        err.reset();
        assertThat(kv("--timout", "3", "get", "k")).isEqualTo(2);
        assertThat(error()).startsWith("error: Unknown option").hasLineCount(1);
    }

    @Test
    void adminQueryAndStatusShowTheGroups() {
        assertThat(admin("query")).isEqualTo(0);
        assertThat(output()).contains("config 1", "shard 0 -> group 10", "group 100: 1@127.0.0.1:");
        out.reset();
        assertThat(admin("status")).isEqualTo(0);
        assertThat(output()).contains("group  leader", "100", "101");
    }

    @Test
    void joiningAGroupAgainWithTheSameMembersIsNotAnError() {
        String members =
                cluster.members().stream()
                        .map(m -> m.node().value() + "@" + m.address())
                        .reduce((a, b) -> a + "," + b)
                        .orElseThrow();
        assertThat(admin("join", "100", members)).isEqualTo(0);
        assertThat(output()).startsWith("OK group 100 already joined");
        assertThat(admin("join", "100", "1@127.0.0.1:1")).isEqualTo(1);
        assertThat(error()).startsWith("error: GROUP_EXISTS").hasLineCount(1);
    }

    @Test
    void joiningAGroupAgainWithItsMembersInAnotherOrderIsNotAnError() {
        assertThat(admin("query")).isEqualTo(0);
        String line =
                output().lines().filter(l -> l.startsWith("group 101: ")).findFirst().orElseThrow();
        String[] members = line.substring("group 101: ".length()).split(",");
        Collections.reverse(Arrays.asList(members));
        out.reset();
        assertThat(admin("join", "101", String.join(",", members))).isEqualTo(0);
        assertThat(output()).startsWith("OK group 101 already joined");
        assertThat(error()).isEmpty();
    }

    @Test
    void aJoinNamingANodeOrAnAddressTwiceIsAUsageErrorBeforeAnythingIsSent() {
        String[] admin = {"admin", "--controllers", "127.0.0.1:1", "--timeout", "1", "join"};
        assertThat(Main.run(with(admin, "102", "7@127.0.0.1:1,8@127.0.0.1:3,7@127.0.0.1:2")))
                .isEqualTo(2);
        assertThat(error())
                .startsWith(
                        "error: g102 lists n7 twice, at 127.0.0.1:1 and at 127.0.0.1:2;"
                                + " a node is a member once")
                .hasLineCount(1);
        err.reset();
        assertThat(Main.run(with(admin, "102", "7@127.0.0.1:1,8@127.0.0.1:1"))).isEqualTo(2);
        assertThat(error())
                .startsWith(
                        "error: g102 lists 127.0.0.1:1 for both n7 and n8;"
                                + " one address serves one node")
                .hasLineCount(1);
    }

    @Test
    void aJoinGivingAJoinedNodeAnotherAddressIsRefusedInOneReadableLine() {
        assertThat(admin("join", "102", "1@127.0.0.1:1")).isEqualTo(1);
        assertThat(error())
                .startsWith("error: ADDRESS_CONFLICT: n1 is at 127.0.0.1:")
                .contains("in g100 but at 127.0.0.1:1 in g102; a node has one address")
                .doesNotContain("Member[", "node=")
                .hasLineCount(1);
    }

    @Test
    void replicaCommandsWithBadArgumentsAreUsageErrorsBeforeAnythingIsSent() {
        String[] admin = {"admin", "--controllers", "127.0.0.1:1", "--timeout", "1"};
        assertUsageError(
                with(admin, "add-replica", "100", "not-a-member"),
                "error: expected ID@HOST:PORT, got not-a-member");
        assertUsageError(
                with(admin, "add-replica", "100", "0@127.0.0.1:1"),
                "error: expected ID@HOST:PORT, got 0@127.0.0.1:1");
        assertUsageError(
                with(admin, "add-replica", "0", "5@127.0.0.1:1"), "error: group ids start at 1");
        assertUsageError(
                with(admin, "remove-replica", "100", "0"), "error: node ids start at 1, got 0");
        assertUsageError(
                with(admin, "remove-replica", "100", "n3"),
                "error: Invalid value for positional parameter at index 1 (NODE): 'n3' is not an"
                        + " int");
        assertUsageError(
                with(admin, "replace", "100", "3", "7@nowhere"),
                "error: expected ID@HOST:PORT, got 7@nowhere");
        assertUsageError(with(admin, "replace", "100", "3"), "error: Missing required parameter");
        assertUsageError(with(admin, "drain", "0"), "error: node ids start at 1, got 0");
        assertUsageError(with(admin, "drain"), "error: Missing required parameter");
    }

    private void assertUsageError(String[] args, String line) {
        assertThat(Main.run(args)).as(String.join(" ", args)).isEqualTo(2);
        assertThat(error()).startsWith(line).hasLineCount(1);
        err.reset();
    }

    @Test
    void replicaCommandsAnswerInOneReadableLine() {
        assertThat(admin("drain", "99")).as("a node in no group").isEqualTo(0);
        assertThat(output()).startsWith("OK config ").hasLineCount(1);
        assertThat(admin("remove-replica", "100", "99")).isEqualTo(1);
        assertThat(error())
                .isEqualTo(
                        "error: NOT_A_MEMBER: n99 is not a replica of g100"
                                + System.lineSeparator());
        err.reset();
        assertThat(admin("add-replica", "100", "1@127.0.0.1:1")).isEqualTo(1);
        assertThat(error())
                .startsWith("error: MEMBER_EXISTS: n1 at 127.0.0.1:")
                .endsWith(" is already a replica of g100" + System.lineSeparator())
                .hasLineCount(1);
        err.reset();
        assertThat(admin("replace", "999", "1", "98@127.0.0.1:1")).isEqualTo(1);
        assertThat(error())
                .startsWith("error: UNKNOWN_GROUP: g999 is not in config")
                .hasLineCount(1);
    }

    private static String[] with(String[] prefix, String... rest) {
        String[] full = Arrays.copyOf(prefix, prefix.length + rest.length);
        System.arraycopy(rest, 0, full, prefix.length, rest.length);
        return full;
    }

    @Test
    void adminErrorsAreOneLineWithExitCodeOne() {
        assertThat(admin("leave", "999")).isEqualTo(1);
        assertThat(error()).startsWith("error: UNKNOWN_GROUP").hasLineCount(1);
        err.reset();
        assertThat(admin("move", "99", "100")).isEqualTo(1);
        assertThat(error()).startsWith("error: SHARD_OUT_OF_RANGE").hasLineCount(1);
        err.reset();
        assertThat(admin("join", "102", "not-a-member")).isEqualTo(2);
        assertThat(error()).startsWith("error: members are ID@HOST:PORT").hasLineCount(1);
        err.reset();
        assertThat(admin("leave", "0")).isEqualTo(2);
        assertThat(error()).startsWith("error: group ids start at 1").hasLineCount(1);
    }

    @Test
    void theShellAnswersOneLinePerCommandInOrder() {
        String script =
                "put sh-k hello world\nget sh-k\nappend sh-k !\nget sh-k\nget sh-none\n"
                        + "cas sh-k nope x\nfrobnicate\ndelete sh-k\nget sh-k\n";
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        assertThat(Main.run("shell", "--controllers", controllers)).isEqualTo(0);
        assertThat(output().lines().toList())
                .containsExactly(
                        "OK",
                        "\"hello world\"",
                        "OK",
                        "\"hello world!\"",
                        "(nil)",
                        "ERR MISMATCH the key does not hold the expected value; nothing was"
                                + " written",
                        "ERR USAGE unknown command frobnicate",
                        "OK",
                        "(nil)");
    }

    /**
     * Quoted words carry blanks, line breaks, any byte and the empty value; a stored "(nil)" prints
     * quoted, so it never looks like a missing key.
     */
    @Test
    void theShellQuotesValuesAndTakesQuotedWordsWithEscapes() {
        String script =
                "put \"sh q\" \"a  b\\nc\"\nget \"sh q\"\nput sh-e \"\"\nget sh-e\n"
                        + "put sh-n (nil)\nget sh-n\ncas sh-n \"(nil)\" \"\\x00\\xff\"\nget sh-n\n"
                        + "cas sh-absent (nil) x\nput k \"open\n";
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        assertThat(Main.run("shell", "--controllers", controllers)).isEqualTo(0);
        assertThat(output().lines().toList())
                .containsExactly(
                        "OK",
                        "\"a  b\\nc\"",
                        "OK",
                        "\"\"",
                        "OK",
                        "\"(nil)\"",
                        "OK",
                        "\"\\x00\\xff\"",
                        "OK",
                        "ERR USAGE a quote opened at column 7 is never closed");
    }

    @Test
    void theShellWritesJsonLines() {
        String script = "put sh-j v\nget sh-j\nget sh-j-none\ncas sh-j x y\nbogus\n";
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        assertThat(Main.run("shell", "--controllers", controllers, "--output", "json"))
                .isEqualTo(0);
        assertThat(output().lines().toList())
                .containsExactly(
                        "{\"ok\":true}",
                        "{\"ok\":true,\"value\":\"v\"}",
                        "{\"ok\":true,\"value\":null}",
                        "{\"ok\":false,\"code\":\"MISMATCH\",\"message\":\"the key does not hold"
                                + " the expected value; nothing was written\",\"outcome\":\"failed\"}",
                        "{\"ok\":false,\"code\":\"USAGE\",\"message\":\"unknown command"
                                + " bogus\",\"outcome\":\"failed\"}");
    }

    @Test
    void valuesAreBinarySafeInHexBase64AndFromStdin() {
        assertThat(kv("--hex", "put", "cli-bin", "00ff0a")).isEqualTo(0);
        assertThat(kv("get", "--hex", "cli-bin")).isEqualTo(0);
        assertThat(kv("--base64", "get", "cli-bin")).isEqualTo(0);
        assertThat(kv("--output", "json", "get", "cli-bin")).isEqualTo(0);
        System.setIn(new ByteArrayInputStream(new byte[] {1, 2, 3, 10}));
        assertThat(kv("put", "cli-stdin", "-")).isEqualTo(0);
        assertThat(kv("--hex", "get", "cli-stdin")).isEqualTo(0);
        assertThat(output().lines().toList())
                .containsExactly(
                        "OK",
                        "00ff0a",
                        "AP8K",
                        "{\"ok\":true,\"value\":\"AP8K\",\"encoding\":\"base64\"}",
                        "OK",
                        "0102030a");
        assertThat(kv("--hex", "put", "cli-bin", "zz")).isEqualTo(2);
        assertThat(error()).contains("'zz' is no hex value").hasLineCount(1);
        err.reset();
        assertThat(kv("--hex", "--base64", "get", "cli-bin")).isEqualTo(2);
        assertThat(error()).contains("mutually exclusive").hasLineCount(1);
    }

    @Test
    void kvWritesOneJsonObjectPerResult() {
        assertThat(kv("--output", "json", "put", "cli-json", "a\"b")).isEqualTo(0);
        assertThat(kv("--output", "json", "get", "cli-json")).isEqualTo(0);
        assertThat(kv("--output", "json", "get", "cli-json-none")).isEqualTo(0);
        assertThat(kv("--output", "json", "cas", "cli-json", "x", "y")).isEqualTo(1);
        assertThat(output().lines().toList())
                .containsExactly(
                        "{\"ok\":true}",
                        "{\"ok\":true,\"value\":\"a\\\"b\"}",
                        "{\"ok\":true,\"value\":null}",
                        "{\"ok\":false,\"code\":\"MISMATCH\",\"message\":\"the key does not hold"
                                + " the expected value; nothing was written\",\"outcome\":\"failed\"}");
        assertThat(error()).isEmpty();
    }

    @Test
    void adminQueryAndStatusWriteJson() {
        assertThat(admin("query", "--output", "json")).isEqualTo(0);
        assertThat(output())
                .startsWith("{\"config\":")
                .contains("\"owners\":[", "\"groups\":{\"100\":[{\"node\":1,\"address\":")
                .contains("\"recoveries\":{}");
        out.reset();
        assertThat(admin("status", "--output", "json")).isEqualTo(0);
        assertThat(output())
                .startsWith("{\"config\":")
                .contains("\"shardCount\":", "{\"group\":100,\"leader\":")
                .contains("\"role\":\"voter\"");
    }

    @Test
    void benchPrintsThroughputAndPercentilesAsJson() {
        int code =
                Main.run(
                        "bench",
                        "--controllers",
                        controllers,
                        "--clients",
                        "4",
                        "--duration",
                        "1",
                        "--keys",
                        "20",
                        "--json");
        assertThat(code).isEqualTo(0);
        assertThat(output())
                .startsWith("{\"clients\":4,")
                .contains("\"errors\":0", "\"opsPerSecond\":", "\"p99\":", "\"max\":");
    }

    @Test
    void pingSaysWhetherANodeListens() {
        String first = controllers.split(",")[0];
        assertThat(Main.run("ping", first)).isEqualTo(0);
        assertThat(output()).isEqualTo("OK " + first + System.lineSeparator());
        assertThat(Main.run("ping", "127.0.0.1:1", "--timeout-millis", "500")).isEqualTo(1);
        assertThat(error()).startsWith("error: 127.0.0.1:1:").hasLineCount(1);
        err.reset();
        assertThat(Main.run("ping", "no-port")).isEqualTo(2);
        assertThat(error()).startsWith("error: expected HOST:PORT").hasLineCount(1);
    }

    @Test
    void nodeUsageErrorsAreCaughtBeforeAnythingStarts() {
        assertThat(
                        Main.run(
                                "node",
                                "--id",
                                "1",
                                "--listen",
                                "nowhere",
                                "--data-dir",
                                "/tmp/x",
                                "--controllers",
                                controllers))
                .isEqualTo(2);
        assertThat(error()).startsWith("error: --listen: expected HOST:PORT").hasLineCount(1);
        err.reset();
        assertThat(
                        Main.run(
                                "node",
                                "--id",
                                "1",
                                "--listen",
                                "127.0.0.1:0",
                                "--data-dir",
                                "/tmp/x",
                                "--controllers",
                                controllers,
                                "--store",
                                "disk"))
                .isEqualTo(2);
        assertThat(error()).startsWith("error: --store must be memory or mapdb").hasLineCount(1);
        err.reset();
        assertThat(
                        Main.run(
                                "node",
                                "--id",
                                "0",
                                "--listen",
                                "127.0.0.1:0",
                                "--data-dir",
                                "/tmp/x",
                                "--controllers",
                                controllers))
                .isEqualTo(2);
        assertThat(error()).startsWith("error: --id must be 1 or more").hasLineCount(1);
        err.reset();
        assertThat(Main.run("node", "--id", "1")).isEqualTo(2);
        assertThat(error()).startsWith("error: Missing required options").hasLineCount(1);
    }

    @Test
    void aNodeReadsItsOptionsFromAnArgumentFile() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("node", ".conf");
        java.nio.file.Files.writeString(
                file,
                "# node 1\n--id 0\n--listen 127.0.0.1:0\n--data-dir /tmp/x\n--controllers "
                        + controllers
                        + "\n");
        assertThat(Main.run("node", "@" + file)).isEqualTo(2);
        assertThat(error())
                .as("the file's --id 0 was read")
                .startsWith("error: --id must be 1 or more");
        java.nio.file.Files.delete(file);
    }
}
