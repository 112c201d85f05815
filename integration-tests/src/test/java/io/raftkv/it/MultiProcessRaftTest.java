package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code RaftNodeMain} processes hosting four groups on loopback, killed with SIGKILL and
 * restarted on the same data directories: nothing acknowledged is lost, a torn WAL tail is cut off,
 * and a corrupted WAL stops the node.
 */
class MultiProcessRaftTest {
    private static final int NODE_COUNT = 3;
    private static final int GROUP_COUNT = 4;
    private static final int WRITER_COUNT = 4;
    private static final GroupId GROUP_1 = GroupId.of(1);

    /** Acknowledged writes per group that show the cluster commits in a phase of a test. */
    private static final int PROGRESS = 10;

    @TempDir Path root;

    private NodeProcesses nodes;
    private ClusterClient client;
    private final List<GroupId> groups = new ArrayList<>();

    /** Values the test itself wrote to prove a node takes part in commits; negative. */
    private final TreeMap<GroupId, TreeSet<Long>> markers = new TreeMap<>();

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent() && nodes != null) {
                    System.err.println("node process logs:\n" + nodes.logTails());
                }
            };

    @BeforeEach
    void startCluster() throws IOException {
        for (int g = 1; g <= GROUP_COUNT; g++) {
            groups.add(GroupId.of(g));
            markers.put(GroupId.of(g), new TreeSet<>());
        }
        nodes = new NodeProcesses(root, NODE_COUNT, NodeProcesses.raftNodes(GROUP_COUNT));
        client = new ClusterClient(nodes.members());
        nodes.startAll();
    }

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
    void killedLeaderProcessRestartsWithoutLosingCommittedWrites() throws Exception {
        Writers.Ledger ledger;
        NodeId leader;
        try (Writers writers = Writers.start(client, groups, WRITER_COUNT)) {
            writers.awaitProgress(PROGRESS, "before any kill");
            leader = client.read(GROUP_1).leader();
            nodes.kill(leader);
            writers.awaitProgress(PROGRESS, "with " + leader + " killed");
            nodes.start(leader);
            writers.awaitProgress(PROGRESS, "after " + leader + " restarted");
            ledger = writers.stop();
        }
        assertEveryAcknowledgedValueIsRead(ledger);
        assertCaughtUp(leader, ledger);
    }

    @Test
    void wholeClusterKilledAtOnceRecoversEverythingAcknowledged() throws Exception {
        Writers.Ledger ledger;
        try (Writers writers = Writers.start(client, groups, WRITER_COUNT)) {
            writers.awaitProgress(2 * PROGRESS, "before the kill");
            nodes.killAll();
            ledger = writers.stop();
        }
        nodes.startAll();
        assertEveryAcknowledgedValueIsRead(ledger);
    }

    @Test
    void tornWalTailIsCutOffAndTheNodeRejoins() throws Exception {
        Writers.Ledger ledger;
        NodeId victim;
        Path segment;
        try (Writers writers = Writers.start(client, groups, WRITER_COUNT)) {
            writers.awaitProgress(PROGRESS, "before the kill");
            victim = client.read(GROUP_1).leader();
            nodes.kill(victim);
            segment = newestSegment(victim);
            appendPartialRecord(segment);
            writers.awaitProgress(PROGRESS, "with " + victim + " killed");
            nodes.start(victim);
            assertThat(nodes.stderr(victim))
                    .contains("cutting a torn tail off")
                    .contains(segment.getFileName().toString());
            writers.awaitProgress(PROGRESS, "after " + victim + " restarted");
            ledger = writers.stop();
        }
        assertEveryAcknowledgedValueIsRead(ledger);
        assertCaughtUp(victim, ledger);
    }

    @Test
    void corruptedWalStopsTheNodeWithAMessageNamingTheFile() throws Exception {
        Writers.Ledger ledger;
        try (Writers writers = Writers.start(client, groups, WRITER_COUNT)) {
            writers.awaitProgress(2 * PROGRESS, "before the kill");
            ledger = writers.stop();
        }
        NodeId victim = nodes.nodeIds().getLast();
        nodes.kill(victim);
        Path segment = largestSegment(victim);
        long offset = Files.size(segment) / 2;
        flipBit(segment, offset);

        nodes.launch(victim);
        int exitCode = nodes.awaitExit(victim);

        assertThat(exitCode).as("exit code of %s with a corrupted WAL", victim).isEqualTo(74);
        assertThat(nodes.stderr(victim))
                .contains("corrupt write-ahead log")
                .contains(segment.getFileName().toString())
                .contains("at offset")
                .as("one line, no stack trace")
                .doesNotContain("\tat ");
        assertEveryAcknowledgedValueIsRead(ledger);
    }

    // ---------------------------------------------------------------- checks

    /**
     * Reads every group through its leader: every acknowledged value is there, and nothing that was
     * never written.
     */
    private void assertEveryAcknowledgedValueIsRead(Writers.Ledger ledger) {
        for (GroupId group : groups) {
            TreeSet<Long> values = client.read(group).values();
            System.out.printf(
                    "%s: %d values read, %d writes acknowledged of %d attempted%n",
                    group,
                    values.size(),
                    ledger.acknowledged().get(group).size(),
                    ledger.attempted().get(group).size());
            assertThat(values)
                    .as("%s's values must include every acknowledged write", group)
                    .containsAll(ledger.acknowledged().get(group));
            TreeSet<Long> written = new TreeSet<>(ledger.attempted().get(group));
            written.addAll(markers.get(group));
            assertThat(written).as("values written to %s", group).containsAll(values);
        }
    }

    /**
     * Proves that {@code restarted} holds every committed entry in its log and state machine. With
     * {@code down} killed, a commit needs {@code restarted}'s acknowledgement, which it gives only
     * if its log matches the leader's through the new entry. Then with {@code up} killed and {@code
     * down} back, only {@code restarted} has the newest entries, so only it can win the elections:
     * it must lead every group and serve each read from its own state machine.
     */
    private void assertCaughtUp(NodeId restarted, Writers.Ledger ledger) throws IOException {
        NodeId down = nodes.othersThan(restarted).getFirst();
        NodeId up = nodes.othersThan(restarted).getLast();
        nodes.kill(down);
        for (GroupId group : groups) {
            long marker = -(group.value() * 1_000L + markers.get(group).size() + 1);
            markers.get(group).add(marker);
            client.write(group, marker);
        }
        nodes.kill(up);
        nodes.start(down);
        for (GroupId group : groups) {
            ClusterClient.Read read = client.read(group);
            assertThat(read.leader())
                    .as("the only node with %s's newest entries leads it", group)
                    .isEqualTo(restarted);
            assertThat(read.values())
                    .as("%s's values on %s", group, restarted)
                    .containsAll(ledger.acknowledged().get(group))
                    .containsAll(markers.get(group));
        }
    }

    // ---------------------------------------------------------------- damage

    private List<Path> segments(NodeId node) throws IOException {
        try (Stream<Path> files = Files.list(nodes.dataDirectory(node).resolve("wal"))) {
            return files.filter(file -> file.getFileName().toString().endsWith(".wal"))
                    .sorted()
                    .toList();
        }
    }

    private Path newestSegment(NodeId node) throws IOException {
        List<Path> segments = segments(node);
        assertThat(segments).as("WAL segments of %s", node).isNotEmpty();
        return segments.getLast();
    }

    private Path largestSegment(NodeId node) throws IOException {
        List<Path> segments = segments(node);
        assertThat(segments).as("WAL segments of %s", node).isNotEmpty();
        return segments.stream().max(Comparator.comparingLong(MultiProcessRaftTest::size)).get();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends what a crash during a write leaves: a record header with a plausible length and
     * checksum, and only part of the body it announces.
     */
    private static void appendPartialRecord(Path segment) throws IOException {
        SplittableRandom random = new SplittableRandom(20_240_301L);
        byte[] body = new byte[23];
        random.nextBytes(body);
        ByteBuffer partial = ByteBuffer.allocate(8 + body.length);
        partial.putInt(64).putInt(random.nextInt()).put(body).flip();
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.APPEND)) {
            channel.write(partial);
        }
    }

    /** Flips one bit of the byte at {@code offset}, as a disk losing data would. */
    private static void flipBit(Path file, long offset) throws IOException {
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
            channel.write(one, offset);
        }
    }
}
