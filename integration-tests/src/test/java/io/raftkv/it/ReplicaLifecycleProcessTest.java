package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.ShardStatus;
import io.raftkv.shardkv.server.FreePorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replica lifecycle (issue 11) in real {@code raftkv node} processes, driven by the {@code raftkv
 * admin} command line while clients append and read: a node that lost its data comes back under its
 * old id, hosts nothing and says how to replace it, and {@code admin replace} moves its replica to
 * a new node; {@code admin drain} moves a live node's replica away and the node deletes it; {@code
 * admin unsafe-recover} brings back a group that lost two of its three nodes; a group joined at
 * mistyped addresses leaves again and later configs go on. In each, the clients' history is
 * linearizable and every acknowledged append is read back.
 *
 * <p>Nodes 1 to 3 are the controllers and serve group 101; nodes 4 to 6 serve group 100, so the
 * node that loses its data is no controller; node 7 is the replacement, started when needed.
 */
class ReplicaLifecycleProcessTest {
    private static final int CONTROLLERS = 3;
    private static final GroupId G100 = GroupId.of(100);
    private static final GroupId G101 = GroupId.of(101);
    private static final NodeId N1 = NodeId.of(1);
    private static final NodeId N4 = NodeId.of(4);
    private static final NodeId N5 = NodeId.of(5);
    private static final NodeId N6 = NodeId.of(6);
    private static final NodeId N7 = NodeId.of(7);
    private static final int CLIENTS = 4;
    private static final int KEYS = 16;

    /** Completed client operations that show the cluster serves in a phase of a test. */
    private static final int PROGRESS = 20;

    /** Appends and reads only, so that every acknowledged append must be in the final values. */
    private static final KvWorkload.Mix APPENDS_AND_GETS = new KvWorkload.Mix(6, 0);

    @TempDir Path root;

    private NodeProcesses nodes;
    private ShardKvClient client;
    private RaftClient reports;
    private final AtomicLong requestIds = new AtomicLong();

    @RegisterExtension
    final AfterTestExecutionCallback printLogsOnFailure =
            context -> {
                if (context.getExecutionException().isPresent() && nodes != null) {
                    System.err.println("node process logs:\n" + nodes.logTails());
                    System.err.println("g100 on each node:\n" + describeReplicas());
                }
            };

    /** Starts nodes 1 to 6 and joins group 101 on the controllers and group 100 on 4, 5, 6. */
    @BeforeEach
    void startCluster() throws IOException {
        nodes = new NodeProcesses(root, 7, NodeProcesses.shardKvNodes(CONTROLLERS));
        nodes.start(nodes.othersThan(N7));
        client =
                new ShardKvClient(
                        nodes.controllers(CONTROLLERS), new KvRouter.Options(60_000, 200));
        reports = new RaftClient(nodes.members(), Duration.ofSeconds(2));
        assertOk(admin("join", "101", members(1, 2, 3)));
        assertOk(admin("join", "100", members(4, 5, 6)));
    }

    @AfterEach
    void stopCluster() {
        try {
            if (reports != null) {
                reports.close();
            }
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
    void aNodeThatLostItsDataHostsNothingUntilItsReplicaIsReplacedUnderANewId() throws Exception {
        nodes.launch(N7); // a new node, with a new id, to replace n4 on; it starts bare
        KvWorkload workload = KvWorkload.start(client, CLIENTS, KEYS, APPENDS_AND_GETS);
        try (workload) {
            workload.awaitProgress(PROGRESS, "before the kill");
            nodes.kill(N4);
            nodes.wipe(N4);
            workload.awaitProgress(PROGRESS, "with n4 killed");
            nodes.start(N4);
            nodes.awaitReady(N7);
            nodes.awaitStderr(N4, "raftkv admin replace 100 4 NEW_ID@HOST:PORT");
            assertLostReplicaReportedOnce();
            assertThat(report(N4)).as("n4's replica of g100 without its data").isEmpty();
            workload.awaitProgress(PROGRESS, "with n4 back without its data");

            Cli replace = admin("replace", "100", "4", nodes.member(N7));
            assertOk(replace);
            assertThat(replace.out()).containsPattern(okMembers(N5, N6, N7));
            workload.awaitProgress(PROGRESS, "after the replacement");
            workload.stop();
        }
        assertThat(report(N7).map(ReplicaReport::membership))
                .as("g100 as n7 sees it")
                .contains(new Membership(List.of(N5, N6, N7)));
        assertThat(report(N4)).as("n4's replica of g100 after the replacement").isEmpty();
        assertLostReplicaReportedOnce();
        assertGroupServedBy(N4, N5, N6, N7);
        assertHistoryIsSound(workload);
    }

    @Test
    void aDrainedNodeHandsItsReplicaToAnotherNodeAndDeletesIt() throws Exception {
        KvWorkload workload = KvWorkload.start(client, CLIENTS, KEYS, APPENDS_AND_GETS);
        try (workload) {
            workload.awaitProgress(PROGRESS, "before the drain");
            Cli drain = admin("drain", "4");
            assertOk(drain);
            // n1, n2 and n3 serve one replica each and never served g100: the lowest id wins
            assertThat(drain.out()).containsPattern(okMembers(N1, N5, N6));
            nodes.awaitStderr(N4, "n4's replica of g100 is deleted: it was removed from the group");
            assertThat(report(N4)).as("n4's replica of g100 after the drain").isEmpty();
            workload.awaitProgress(PROGRESS, "after the drain");
            workload.stop();
        }
        assertGroupServedBy(N4, N1, N5, N6);
        assertHistoryIsSound(workload);
    }

    /**
     * {@code admin unsafe-recover}: refused while g100 has a leader; once two of its three nodes
     * are killed, it makes n4 the only voter. n4 serves every append acknowledged before (it had
     * applied them all: the workload stopped and n4 caught up before the kill), takes n7 as a new
     * replica, and n5, back with its data, deletes its replica.
     */
    @Test
    void anUnsafeRecoveryBringsBackAGroupThatLostTwoOfItsThreeNodes() throws Exception {
        nodes.launch(N7);
        KvWorkload workload = KvWorkload.start(client, CLIENTS, KEYS, APPENDS_AND_GETS);
        try (workload) {
            workload.awaitProgress(PROGRESS, "before the recovery");
            Cli refused = admin("unsafe-recover", "100", "--keep", "4");
            assertThat(refused.code()).as(refused.toString()).isOne();
            assertThat(refused.err()).contains("group 100 has a leader");
            workload.stop();
        }
        awaitCaughtUp(N4);
        nodes.kill(N5);
        nodes.kill(N6);
        awaitNotLeading(N4);

        Cli recover = admin("unsafe-recover", "100", "--keep", "4");
        assertOk(recover);
        assertThat(recover.err()).contains("warning: unsafe recovery of group 100 onto node 4");
        assertThat(recover.out()).containsPattern(okMembers(N4));
        nodes.awaitReady(N7);
        Cli added = admin("add-replica", "100", nodes.member(N7));
        assertOk(added);
        assertThat(added.out()).containsPattern(okMembers(N4, N7));
        nodes.start(N5);
        nodes.awaitStderr(
                N5,
                "n5's replica of g100 is deleted: an unsafe recovery made n4 the group's only"
                        + " voter");
        assertGroupServedBy(N5, N4, N7);
        assertHistoryIsSound(workload);
    }

    /**
     * A join with mistyped addresses gives shards to a group no node serves; their sources hold
     * them for it. Once it leaves, the sources take them back and later configs go on.
     */
    @Test
    void aGroupJoinedAtAddressesWhereNoNodeListensLeavesAndReconfigurationGoesOn()
            throws Exception {
        KvWorkload workload = KvWorkload.start(client, CLIENTS, KEYS, APPENDS_AND_GETS);
        try (workload) {
            workload.awaitProgress(PROGRESS, "before the mistyped join");
            assertOk(admin("join", "900", nowhere(8, 9, 10)));
            awaitHandingOff(); // its sources hold shards for it
            assertOk(admin("leave", "900"));
            workload.awaitProgress(PROGRESS, "after g900 left");
            Cli leave = admin("leave", "101");
            assertOk(leave);
            assertThat(leave.out()).contains("g101 handed over every shard");
            workload.awaitProgress(PROGRESS, "after g101 left");
            workload.stop();
        }
        ShardConfig latest = client.config(-1).orElseThrow();
        assertThat(latest.groups().keySet()).as("groups left").containsExactly(G100);
        for (int shard = 0; shard < latest.shardCount(); shard++) {
            assertThat(latest.owner(shard)).as("owner of shard %d", shard).contains(G100);
        }
        assertHistoryIsSound(workload);
    }

    // ---------------------------------------------------------------- checks

    /** Waits until g100 or g101 holds a shard for another group ({@code HANDING_OFF}). */
    private void awaitHandingOff() {
        ShardConfig config = client.config(-1).orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            for (GroupId group : List.of(G100, G101)) {
                Optional<ShardKvClient.GroupView> view =
                        client.groupStatus(group, config.groups().get(group));
                if (view.map(v -> v.status().shards().containsValue(ShardStatus.HANDING_OFF))
                        .orElse(false)) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as("a shard handing off").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Waits until {@code node} has applied everything g100's leader has committed. */
    private void awaitCaughtUp(NodeId node) {
        long committed =
                List.of(N4, N5, N6).stream()
                        .map(this::report)
                        .flatMap(Optional::stream)
                        .filter(report -> report.role() == Role.LEADER)
                        .mapToLong(ReplicaReport::commitIndex)
                        .max()
                        .orElseThrow(() -> new AssertionError("no leader of g100"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (report(node).map(ReplicaReport::appliedIndex).orElse(0L) < committed) {
            assertThat(System.nanoTime()).as("%s caught up", node).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /**
     * Waits until {@code node} no longer leads g100: a leader cut off from its quorum steps down
     * within an election timeout (check-quorum), and until then the CLI rightly refuses an unsafe
     * recovery.
     */
    private void awaitNotLeading(NodeId node) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (report(node).map(ReplicaReport::role).orElse(Role.FOLLOWER) == Role.LEADER) {
            assertThat(System.nanoTime()).as("%s stepped down", node).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** One ERROR line on n4 names g100 and the command that replaces its replica. */
    private void assertLostReplicaReportedOnce() {
        List<String> lines =
                nodes.stderr(N4).lines().filter(line -> line.contains("admin replace")).toList();
        assertThat(lines).as("n4's lines naming admin replace").hasSize(1);
        assertThat(lines.getFirst())
                .contains("ERROR")
                .contains("n4 has a new data directory, but its replicas of g100 were started")
                .contains("raftkv admin replace 100 4 NEW_ID@HOST:PORT");
    }

    /**
     * The controller's latest config and the group's leader have exactly {@code members} serving
     * g100 (as voters), and {@code admin status} shows them and not {@code gone}.
     */
    private void assertGroupServedBy(NodeId gone, NodeId... members) {
        List<NodeId> wanted = List.of(members);
        List<NodeId> configured =
                client.config(-1).orElseThrow().groups().get(G100).stream()
                        .map(Member::node)
                        .sorted()
                        .toList();
        assertThat(configured).as("g100's members in the latest config").isEqualTo(wanted);
        List<Membership> leaders =
                wanted.stream()
                        .map(this::report)
                        .flatMap(Optional::stream)
                        .filter(report -> report.role() == Role.LEADER)
                        .map(ReplicaReport::membership)
                        .toList();
        assertThat(leaders).as("g100's membership on its leader").contains(new Membership(wanted));
        Cli status = admin("status");
        assertOk(status);
        String row =
                status.out()
                        .lines()
                        .filter(line -> line.startsWith("100 "))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no g100 row in " + status));
        assertThat(row).as("admin status of g100").doesNotContain(gone.toString());
        for (NodeId member : members) {
            assertThat(row).as("admin status of g100").contains(member.toString());
        }
    }

    private static void assertHistoryIsSound(KvWorkload workload) {
        Map<String, String> values = workload.finalReads();
        workload.assertAcknowledgedAppendsRead(values);
        workload.assertLinearizable();
    }

    // ---------------------------------------------------------------- the command line

    /** Runs {@code raftkv admin ARGS}, waiting at most 90 s for a change to be carried out. */
    private Cli admin(String... args) {
        return Cli.admin(nodes, CONTROLLERS, 90, args);
    }

    private static void assertOk(Cli cli) {
        assertThat(cli.code()).as(cli.toString()).isZero();
    }

    private String members(int... ids) {
        List<String> entries = new ArrayList<>();
        for (int id : ids) {
            entries.add(nodes.member(NodeId.of(id)));
        }
        return String.join(",", entries);
    }

    /** Members with ids {@code ids} at loopback ports where nothing listens: a mistyped join. */
    private static String nowhere(int... ids) throws IOException {
        List<String> entries = new ArrayList<>();
        for (int id : ids) {
            entries.add(id + "@127.0.0.1:" + FreePorts.belowEphemeralRange());
        }
        return String.join(",", entries);
    }

    /**
     * The final line of a member change that left g100 with exactly {@code members} as voters, one
     * of them marked leader, any of them with how far it lags.
     */
    private static String okMembers(NodeId... members) {
        List<String> parts = new ArrayList<>();
        for (NodeId member : members) {
            parts.add(member + "( \\([^)]*\\))?");
        }
        return "OK config \\d+: g100 is " + String.join(", ", parts) + "$";
    }

    // ---------------------------------------------------------------- replicas

    /** Each running node's account of its replica of g100, for a failure's diagnosis. */
    private String describeReplicas() {
        StringBuilder text = new StringBuilder();
        for (NodeId node : nodes.nodeIds()) {
            if (nodes.isRunning(node)) {
                String report;
                try {
                    report = report(node).map(Object::toString).orElse("hosts none");
                } catch (RuntimeException | AssertionError noAnswer) {
                    report = "no answer: " + noAnswer;
                }
                text.append(node).append(": ").append(report).append('\n');
            }
        }
        return text.toString();
    }

    /** {@code node}'s account of its replica of g100; empty if it hosts none. */
    private Optional<ReplicaReport> report(NodeId node) {
        ClientReply reply =
                reports.send(node, new ClientRequest.Status(requestIds.incrementAndGet(), G100))
                        .join();
        return switch (reply) {
            case ClientReply.Value value -> Optional.of(ReplicaReport.decode(value.value()));
            case ClientReply.NotLeader notLeader -> Optional.empty();
            default -> throw new AssertionError(node + " answered a status request: " + reply);
        };
    }
}
