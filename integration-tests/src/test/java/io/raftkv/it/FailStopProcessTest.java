package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-stop in real node processes (DESIGN.md rule 6): a fault of a node's own halts it with exit
 * code 70 and one line naming node, group and index, instead of being logged on the event loop
 * while the node goes on. After a restart the replicas are identical and no command was applied
 * twice. The faults are planted by {@link PlantedFaultNodeMain}.
 */
class FailStopProcessTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final NodeId FAULTY = NodeId.of(2);
    private static final Duration CONVERGENCE = Duration.ofSeconds(30);

    @TempDir Path root;

    private NodeProcesses nodes;
    private ClusterClient client;

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent() && nodes != null) {
                    System.err.println("node process logs:\n" + nodes.logTails());
                }
            };

    @AfterEach
    void stopCluster() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (nodes != null) {
                nodes.close();
            }
        }
    }

    @Test
    void aThrowingApplyHaltsTheNodeAndItRejoinsWithIdenticalState() throws Exception {
        start(Map.of(FAULTY, "apply:20"));
        Writers.Ledger ledger;
        try (Writers writers = Writers.start(client, List.of(GROUP), 2)) {
            assertThat(nodes.awaitExit(FAULTY)).as("exit code").isEqualTo(FailStop.EXIT_CODE);
            assertThat(nodes.stderr(FAULTY))
                    .containsPattern(
                            "raftkv: fatal: n2 g1 applying index \\d+: IllegalStateException:"
                                    + " planted fault in apply; stopping \\(exit 70\\)");
            writers.awaitProgress(10, "with " + FAULTY + " stopped");
            nodes.start(FAULTY);
            writers.awaitProgress(10, "after " + FAULTY + " restarted");
            ledger = writers.stop();
        }
        assertThat(client.read(GROUP).values()).containsAll(ledger.acknowledged().get(GROUP));
        String digest = awaitSameDigestOnEveryNode();
        String[] fields = digest.split(" ");
        assertThat(fields[1])
                .as("values applied vs distinct values: " + digest)
                .isEqualTo(fields[2]);
    }

    @Test
    void aBrokenCheckWhileServingAReadHaltsTheNode() throws Exception {
        start(Map.of(NodeId.of(1), "read", NodeId.of(2), "read", NodeId.of(3), "read"));
        client.write(GROUP, 1);
        Thread.ofVirtual()
                .start(
                        () -> {
                            try {
                                client.read(GROUP);
                            } catch (Throwable expected) {
                                // every node that serves the read halts; the test watches exits
                            }
                        });

        NodeProcesses.Exit exit = nodes.awaitFirstExit();

        assertThat(exit.code()).as("exit code").isEqualTo(FailStop.EXIT_CODE);
        assertThat(nodes.stderr(exit.node()))
                .containsPattern(
                        "raftkv: fatal: "
                                + exit.node()
                                + " g1 serving reads at index \\d+: IllegalStateException:"
                                + " planted broken check in a read");
    }

    /** Starts three nodes hosting one group, with a fault planted in the first start of some. */
    private void start(Map<NodeId, String> plants) throws IOException {
        Map<NodeId, String> firstStartPlants = new TreeMap<>(plants);
        NodeProcesses.Launcher plain = NodeProcesses.raftNodes(1);
        NodeProcesses.Launcher planted =
                new NodeProcesses.Launcher() {
                    @Override
                    public List<String> arguments(
                            NodeId id, Map<NodeId, InetSocketAddress> members, Path dataDirectory) {
                        List<String> arguments = new ArrayList<>();
                        arguments.add(PlantedFaultNodeMain.class.getName());
                        arguments.add(
                                Optional.ofNullable(firstStartPlants.remove(id)).orElse("none"));
                        List<String> node = plain.arguments(id, members, dataDirectory);
                        arguments.addAll(node.subList(1, node.size())); // without the main class
                        return arguments;
                    }

                    @Override
                    public String readyLine(InetSocketAddress address) {
                        return plain.readyLine(address);
                    }
                };
        nodes = new NodeProcesses(root, 3, planted);
        client = new ClusterClient(nodes.members());
        nodes.startAll();
    }

    /**
     * Waits until every node's last {@code DIGEST count distinct hash} line is the same, and
     * returns it: equal hashes of the values in apply order mean identical replicas.
     */
    private String awaitSameDigestOnEveryNode() {
        long deadline = System.nanoTime() + CONVERGENCE.toNanos();
        Map<NodeId, String> digests = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            for (NodeId node : nodes.nodeIds()) {
                digests.put(node, lastDigest(node));
            }
            if (digests.values().stream().distinct().count() == 1) {
                return digests.values().iterator().next();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("replicas did not converge: " + digests);
    }

    private String lastDigest(NodeId node) {
        return nodes.stdout(node)
                .lines()
                .filter(line -> line.startsWith("DIGEST "))
                .reduce((first, second) -> second)
                .orElse("none");
    }
}
