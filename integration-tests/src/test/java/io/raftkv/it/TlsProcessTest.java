package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.CertificateAuthority;
import io.raftkv.common.net.tls.TlsFiles;
import io.raftkv.shardkv.cli.Main;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code raftkv node} processes with mutual TLS, driven by the command line: kv and admin
 * work over TLS; admin operations need a client certificate from the cluster CA; a client with a
 * certificate from another CA, a plaintext client and a node of another cluster are refused.
 */
class TlsProcessTest {
    private static final Duration DAY = Duration.ofDays(1);

    @TempDir Path root;

    private NodeProcesses nodes;
    private CertificateAuthority ca;
    private TlsFiles admin;
    private TlsFiles stranger;
    private final Map<NodeId, TlsFiles> nodeFiles = new TreeMap<>();

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent() && nodes != null) {
                    System.err.println("node process logs:\n" + nodes.logTails());
                }
            };

    @BeforeEach
    void makeCertificates() throws IOException {
        ca = CertificateAuthority.create(root.resolve("certs"), DAY, false);
        for (int i = 1; i <= 4; i++) {
            nodeFiles.put(
                    NodeId.of(i), ca.issueNode(NodeId.of(i), List.of("127.0.0.1"), DAY, false));
        }
        admin = ca.issueClient("ops", DAY, false);
        CertificateAuthority other = CertificateAuthority.create(root.resolve("other"), DAY, false);
        stranger = other.issueClient("ops", DAY, false);
    }

    @AfterEach
    void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void kvAndAdminWorkOverTlsAndAdminNeedsAClientCertificate() throws Exception {
        startNodes(3);
        Cli join = cli(admin, "admin", "--timeout", "60", "join", "100", members(3));
        assertThat(join.code()).as(join.toString()).isZero();

        Cli put = cli(null, "kv", "put", "hello", "world");
        assertThat(put.code()).as(put.toString()).isZero();
        Cli get = cli(null, "kv", "get", "hello");
        assertThat(get.out()).as(get.toString()).isEqualTo("world\n");
        Cli status = cli(null, "admin", "status");
        assertThat(status.code()).as("status is a client read: " + status).isZero();

        Cli move = cli(null, "admin", "move", "0", "100");
        assertThat(move.code()).as(move.toString()).isEqualTo(1);
        assertThat(move.err()).contains("FORBIDDEN").contains("client certificate");
        Cli moveAsAdmin = cli(admin, "admin", "move", "0", "100");
        assertThat(moveAsAdmin.code()).as(moveAsAdmin.toString()).isZero();
    }

    @Test
    void clientsWithoutTheClusterCaAndNodesOfAnotherClusterAreRefused() throws Exception {
        startNodes(3);
        assertThat(cli(admin, "admin", "--timeout", "60", "join", "100", members(3)).code())
                .isZero();

        Cli foreign = cli(stranger, "kv", "--timeout", "3", "get", "hello");
        assertThat(foreign.code()).as(foreign.toString()).isEqualTo(1);
        Cli plaintext = plaintextCli("kv", "--timeout", "3", "get", "hello");
        assertThat(plaintext.code()).as(plaintext.toString()).isEqualTo(1);

        nodes.start(NodeId.of(4)); // started with --cluster-id other
        nodes.awaitStderr(NodeId.of(1), "n4 is in cluster 'other', this node in 'raftkv'");
        assertThat(cli(null, "kv", "get", "hello").code()).as("the cluster still serves").isZero();
    }

    // ---------------------------------------------------------------- processes

    private void startNodes(int count) throws IOException {
        nodes =
                new NodeProcesses(
                        Files.createDirectories(root.resolve("nodes")), 4, launcher(count));
        for (int i = 1; i <= count; i++) {
            nodes.launch(NodeId.of(i));
        }
        for (int i = 1; i <= count; i++) {
            nodes.awaitReady(NodeId.of(i));
        }
    }

    /** TLS {@code raftkv node}s; the first {@code controllers} are the controllers; n4 is alien. */
    private NodeProcesses.Launcher launcher(int controllers) {
        return new NodeProcesses.Launcher() {
            @Override
            public List<String> arguments(
                    NodeId id, Map<NodeId, InetSocketAddress> members, Path dataDirectory) {
                TlsFiles files = nodeFiles.get(id);
                List<String> arguments =
                        new ArrayList<>(
                                List.of(
                                        Main.class.getName(),
                                        "node",
                                        "--id",
                                        Integer.toString(id.value()),
                                        "--listen",
                                        "127.0.0.1:" + members.get(id).getPort(),
                                        "--data-dir",
                                        dataDirectory.toString(),
                                        "--controllers",
                                        NodeProcesses.controllerList(members, controllers),
                                        "--tls-ca",
                                        files.ca().toString(),
                                        "--tls-cert",
                                        files.cert().toString(),
                                        "--tls-key",
                                        files.key().toString()));
                if (id.value() > controllers) {
                    arguments.addAll(List.of("--cluster-id", "other"));
                }
                return arguments;
            }

            @Override
            public String readyLine(InetSocketAddress address) {
                return "READY " + address.getPort();
            }
        };
    }

    private String members(int count) {
        return String.join(
                ",",
                nodes.nodeIds().stream()
                        .filter(id -> id.value() <= count)
                        .map(nodes::member)
                        .toList());
    }

    // ---------------------------------------------------------------- the command line

    /**
     * Runs {@code raftkv} in this JVM with TLS trusting the cluster CA (the CA of {@code
     * certificate} when given) and presenting {@code certificate}, if any.
     */
    private Cli cli(TlsFiles certificate, String... args) {
        List<String> tls = new ArrayList<>();
        tls.addAll(
                List.of("--tls-ca", (certificate == null ? admin : certificate).ca().toString()));
        if (certificate != null) {
            tls.addAll(
                    List.of(
                            "--tls-cert",
                            certificate.cert().toString(),
                            "--tls-key",
                            certificate.key().toString()));
        }
        return Cli.run(withOptions(args, tls));
    }

    private Cli plaintextCli(String... args) {
        return Cli.run(withOptions(args, List.of()));
    }

    /** {@code args} with the controllers and {@code extra} after the (sub)command words. */
    private String[] withOptions(String[] args, List<String> extra) {
        int words = args[0].equals("admin") || args[0].equals("kv") ? 1 : 0;
        List<String> full = new ArrayList<>(List.of(args).subList(0, words));
        full.addAll(List.of("--controllers", NodeProcesses.controllerList(nodes.members(), 3)));
        full.addAll(extra);
        full.addAll(List.of(args).subList(words, args.length));
        return full.toArray(String[]::new);
    }
}
