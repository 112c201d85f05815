package io.raftkv.shardkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.PeerIdentity;
import io.raftkv.common.net.tls.TlsFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftkv certs}: the files it writes, and its errors with their exit codes. */
class CertsCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @TempDir Path directory;

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

    private int certs(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "certs";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "--dir";
        full[args.length + 2] = directory.toString();
        return Main.run(full);
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String error() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private TlsFiles files(String stem) {
        return new TlsFiles(
                directory.resolve(stem + ".crt"),
                directory.resolve(stem + ".key"),
                directory.resolve("ca.crt"));
    }

    @Test
    void initNodeAndClientWriteACaAndCertificatesThatCarryTheirIdentity() {
        assertThat(certs("init")).isEqualTo(0);
        assertThat(certs("node", "--id", "1", "--host", "node1,10.0.0.1")).isEqualTo(0);
        assertThat(certs("client", "--name", "admin", "--days", "30")).isEqualTo(0);
        assertThat(error()).isEmpty();
        assertThat(output().lines().map(line -> line.replaceAll(", valid until [0-9-]{10}", "")))
                .containsExactly(
                        "wrote " + directory.resolve("ca.crt") + " (CN=raftkv CA,O=raftkv)",
                        "wrote " + directory.resolve("ca.key"),
                        "wrote "
                                + directory.resolve("node-1.crt")
                                + " (CN=node-1,OU=node,O=raftkv)",
                        "wrote " + directory.resolve("node-1.key"),
                        "wrote "
                                + directory.resolve("client-admin.crt")
                                + " (CN=admin,OU=client,O=raftkv)",
                        "wrote " + directory.resolve("client-admin.key"));
        assertThat(files("node-1").identity()).isEqualTo(new PeerIdentity.Node(NodeId.of(1)));
        assertThat(files("client-admin").identity()).isEqualTo(new PeerIdentity.Client("admin"));
    }

    @Test
    void anExistingCaIsReplacedOnlyWithForce() throws Exception {
        assertThat(certs("init")).isEqualTo(0);
        String first = Files.readString(directory.resolve("ca.crt"));
        assertThat(certs("init")).isEqualTo(1);
        assertThat(error())
                .isEqualTo(
                        "error: %s: already exists; --force replaces it%n",
                        directory.resolve("ca.crt"));
        assertThat(Files.readString(directory.resolve("ca.crt"))).isEqualTo(first);
        assertThat(certs("init", "--force")).isEqualTo(0);
        assertThat(Files.readString(directory.resolve("ca.crt"))).isNotEqualTo(first);
    }

    @Test
    void issuingWithoutACaIsAnOperationError() {
        assertThat(certs("node", "--id", "1", "--host", "localhost")).isEqualTo(1);
        assertThat(error())
                .isEqualTo(
                        "error: no CA in %s: %s does not exist%n",
                        directory, directory.resolve("ca.crt"));
    }

    @Test
    void badArgumentsAreUsageErrorsOnOneLine() {
        assertThat(certs("init")).isEqualTo(0);
        assertUsageError("node ids start at 1, got 0", "node", "--id", "0", "--host", "h");
        assertUsageError("Invalid value for option '--id'", "node", "--id", "x", "--host", "h");
        assertUsageError(
                "not a host name or IP address: 'a b'", "node", "--id", "1", "--host", "a b");
        assertUsageError("Missing required option: '--host=HOST'", "node", "--id", "1");
        assertUsageError("a client name is 1-64 letters", "client", "--name", "../x");
        assertUsageError("--days must be 1-36500, got 0", "client", "--name", "a", "--days", "0");
        assertThat(Main.run("certs", "init")).isEqualTo(2);
    }

    private void assertUsageError(String message, String... args) {
        err.reset();
        assertThat(certs(args)).isEqualTo(2);
        assertThat(error()).startsWith("error: " + message).contains("--help").hasLineCount(1);
    }

    @Test
    void everySubcommandHasHelp() {
        assertThat(Main.run("certs", "--help")).isEqualTo(0);
        assertThat(output()).contains("init", "node", "client");
        for (String command : new String[] {"init", "node", "client"}) {
            out.reset();
            assertThat(Main.run("certs", command, "--help")).isEqualTo(0);
            assertThat(output()).contains("--dir=DIR", "--days", "--force");
        }
    }

    @Test
    void clusterMakesWhatIsMissingAndKeepsWhatExists() throws Exception {
        assertThat(
                        certs(
                                "cluster",
                                "--node",
                                "1=n1",
                                "--node",
                                "2=n2,10.0.0.2",
                                "--client",
                                "admin"))
                .as(error())
                .isZero();
        byte[] firstNode = Files.readAllBytes(directory.resolve("node-1.crt"));
        assertThat(files("node-2").identity()).isEqualTo(new PeerIdentity.Node(NodeId.of(2)));
        assertThat(files("client-admin").identity()).isEqualTo(new PeerIdentity.Client("admin"));

        assertThat(certs("cluster", "--node", "1=n1", "--node", "3=n3", "--client", "admin"))
                .as(error())
                .isZero();

        assertThat(Files.readAllBytes(directory.resolve("node-1.crt"))).isEqualTo(firstNode);
        assertThat(files("node-3").identity()).isEqualTo(new PeerIdentity.Node(NodeId.of(3)));
        assertThat(output()).contains("kept ").contains("node-3.crt");
        assertThat(certs("cluster", "--node", "x=n1")).isEqualTo(2);
    }
}
