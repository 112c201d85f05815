package io.raftkv.shardkv.server;

import static io.raftkv.shardkv.server.InJvmCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing replicas on real nodes: a node that lost its disk never serves as the replica it was,
 * and an operator's replace or drain moves a group onto other nodes with nothing lost. Nodes 1-3
 * host the controller; the replica groups live on the others, so that a lost disk here is never a
 * controller's.
 */
class ReplicaLifecycleTest {
    private static final GroupId A = GroupId.of(100);
    private static final GroupId B = GroupId.of(101);
    private static final int KEYS = 40;

    @TempDir Path root;
    private InJvmCluster cluster;

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    /**
     * On main before replica identity, the restarted blank node hosted A again as a voter with an
     * empty log and term 0: the hole through which an acknowledged write can be truncated.
     */
    @Test
    void aNodeBackWithoutItsDataHostsNoneOfItsReplicasUntilReplacedAndNothingIsLost()
            throws Exception {
        ControllerClient admin = startCluster(7);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6))));
        ShardKvClient client = cluster.client();
        writeKeys(client, "v");
        await("n5 hosts A", () -> cluster.status(5, A).isPresent());

        cluster.stop(5);
        cluster.wipe(5);
        cluster.start(5);
        appendToKeys(client, "+1");
        Thread.sleep(2_000); // n5 has long read every config and asked for its claim
        assertThat(cluster.status(5, A)).as("the blank n5 hosts no replica of A").isEmpty();

        admin.replaceReplica(A, NodeId.of(5), cluster.member(7));
        await(
                "A's membership becomes n4, n6, n7",
                () ->
                        cluster.leaderMembership(A)
                                .filter(m -> m.equals(Membership.of(ids(4, 6, 7))))
                                .isPresent());
        appendToKeys(client, "+2");
        assertKeys(client, "v+1+2");
    }

    /** The same for the controller group, whose replicas come from the node's flags. */
    @Test
    void aControllerBackWithoutItsDataHostsNoControllerReplicaAndTheControllerGoesOn()
            throws Exception {
        ControllerClient admin = startCluster(3);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(1, 2, 3))));
        await(
                "n2 claimed its controller replica",
                () -> cluster.status(2, GroupId.CONTROLLER).isPresent());
        Thread.sleep(1_000); // its claim goes through the controller's log

        cluster.stop(2);
        cluster.wipe(2);
        cluster.start(2);
        Thread.sleep(3_000); // n2 probes the others and claims
        assertThat(cluster.status(2, GroupId.CONTROLLER))
                .as("the blank n2 hosts no controller replica")
                .isEmpty();
        admin.leave(java.util.List.of(A));
        assertThat(admin.query(-1).groups()).isEmpty();
    }

    /**
     * {@code admin unsafe-recover}: A loses two of its three replicas for good. Recovered onto the
     * survivor, it serves alone with every write acknowledged before, and takes a new replica; a
     * lost node that comes back with its data deletes its replica instead of rejoining.
     */
    @Test
    void anUnsafeRecoveryBringsBackAGroupThatLostItsMajority() throws Exception {
        ControllerClient admin = startCluster(7);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6))));
        ShardKvClient client = cluster.client();
        writeKeys(client, "v");
        long committed =
                java.util.stream.IntStream.of(4, 5, 6)
                        .mapToObj(id -> cluster.status(id, A))
                        .flatMap(Optional::stream)
                        .mapToLong(RaftStatus::commitIndex)
                        .max()
                        .orElseThrow();
        await(
                "n4 applied every acknowledged write",
                () -> cluster.status(4, A).filter(s -> s.appliedIndex() >= committed).isPresent());

        cluster.stop(5);
        cluster.stop(6);
        ControllerResult recovered = admin.unsafeRecover(A, NodeId.of(4));
        assertThat(recovered).isInstanceOf(ControllerResult.Done.class);
        await(
                "n4 leads A alone",
                () -> cluster.leaderMembership(A).equals(Optional.of(Membership.of(ids(4)))));
        assertThat(admin.unsafeRecover(A, NodeId.of(4)))
                .as("asked again: done, without a new config")
                .isEqualTo(recovered);
        appendToKeys(client, "+1");

        admin.addReplica(A, cluster.member(7));
        await(
                "A's membership becomes n4, n7",
                () -> cluster.leaderMembership(A).equals(Optional.of(Membership.of(ids(4, 7)))));
        cluster.start(5);
        await("the lost n5 deleted its replica of A", () -> cluster.status(5, A).isEmpty());
        appendToKeys(client, "+2");
        assertKeys(client, "v+1+2");
        assertThat(cluster.leaderMembership(A)).contains(Membership.of(ids(4, 7)));
    }

    @Test
    void aDrainMovesEveryReplicaOffANodeWhileClientsWrite() throws Exception {
        ControllerClient admin = startCluster(7);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6))));
        admin.join(new TreeMap<>(Map.of(B, cluster.members(1, 2, 7))));
        ShardKvClient client = cluster.client();
        writeKeys(client, "v");

        admin.drain(NodeId.of(5));
        appendToKeys(client, "+1");
        await(
                "A no longer has n5",
                () ->
                        cluster.leaderMembership(A)
                                .filter(m -> !m.contains(NodeId.of(5)) && m.voters().size() == 3)
                                .isPresent());
        await("n5 deleted its replica of A", () -> cluster.status(5, A).isEmpty());
        assertKeys(client, "v+1");
    }

    /**
     * The drained node may lead its group until it removes itself. Its replacement starts from the
     * drain's config, which no longer lists it: before nodes learned every member's address from
     * every config, the replacement dropped its answers to that leader, never caught up, and the
     * drain never finished.
     */
    @Test
    void aDrainOfTheNodeThatLeadsTheGroupFinishes() throws Exception {
        ControllerClient admin = startCluster(6);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6))));
        admin.join(new TreeMap<>(Map.of(B, cluster.members(1, 2, 3))));
        ShardKvClient client = cluster.client();
        writeKeys(client, "v");
        int leader = leaderOf(A);

        admin.drain(NodeId.of(leader));
        await(
                "A's membership becomes n1 and the two others",
                () ->
                        cluster.leaderMembership(A)
                                .filter(m -> m.isVoter(NodeId.of(1)) && m.voters().size() == 3)
                                .filter(m -> !m.contains(NodeId.of(leader)))
                                .isPresent());
        await(
                "n" + leader + " deleted its replica of A",
                () -> cluster.status(leader, A).isEmpty());
        appendToKeys(client, "+1");
        assertKeys(client, "v+1");
    }

    /**
     * Clients learn a group's members from the latest config, so a drained node that still leads
     * its group is out of their reach. Here the drain cannot finish (its target is down), and the
     * group must serve a client that knows only the drain's config: before the drained leader
     * handed leadership to a wanted voter, every such client timed out on every key of the group.
     */
    @Test
    void aGroupWhoseLeaderIsDrainedServesClientsOfTheNewConfigWhileTheDrainWaits()
            throws Exception {
        ControllerClient admin = startCluster(6);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6))));
        admin.join(new TreeMap<>(Map.of(B, cluster.members(1, 2, 3))));
        writeKeys(cluster.client(), "v");
        int leader = leaderOf(A);
        cluster.stop(1); // the drain's target: its replica of A never catches up

        admin.drain(NodeId.of(leader));

        assertKeys(cluster.client(), "v");
        assertThat(cluster.leaderMembership(A))
                .as("the old voters still serve A")
                .hasValueSatisfying(m -> assertThat(m.isVoter(NodeId.of(leader))).isTrue());
    }

    private int leaderOf(GroupId group) {
        int[] leader = new int[1];
        await(
                group + " has a leader",
                () -> {
                    for (int id = 1; id <= 6; id++) {
                        if (cluster.status(id, group)
                                .filter(s -> s.role() == Role.LEADER)
                                .isPresent()) {
                            leader[0] = id;
                            return true;
                        }
                    }
                    return false;
                });
        return leader[0];
    }

    private static NodeId[] ids(int... values) {
        return java.util.Arrays.stream(values).mapToObj(NodeId::of).toArray(NodeId[]::new);
    }

    /** Starts nodes 1 to {@code nodes} (1 to 3 are the controllers); returns an admin client. */
    /**
     * A replica deleted just before a crash: the registry recorded the deletion, the log had not
     * yet. The restarted node deletes what its log still held, instead of keeping, unhosted, a
     * group whose entries would pin old log segments for ever (the real-WAL swarm, seed 2000135).
     */
    @Test
    void aDeletionACrashInterruptedIsFinishedAtRestart() throws Exception {
        ControllerClient admin = startCluster(7);
        admin.join(new TreeMap<>(Map.of(A, cluster.members(4, 5, 6, 7))));
        writeKeys(cluster.client(), "v");
        await("n7 hosts A", () -> cluster.status(7, A).isPresent());

        cluster.stop(7);
        admin.removeReplica(A, NodeId.of(7));
        await(
                "A's membership becomes n4, n5, n6",
                () ->
                        cluster.leaderMembership(A)
                                .filter(m -> m.equals(Membership.of(ids(4, 5, 6))))
                                .isPresent());
        recordDeletedWhileDown(7, A);
        cluster.start(7);
        assertThat(cluster.node(7).raftNode().hadStoredState(A))
                .as("n7's log still holds A")
                .isFalse();
        assertThat(cluster.status(7, A)).as("n7 hosts A").isEmpty();
    }

    /**
     * As the crash left it: {@code group} deleted in node {@code id}'s registry, its log as was.
     */
    private void recordDeletedWhileDown(int id, GroupId group) throws IOException {
        Path registry = root.resolve("n" + id).resolve("replicas.txt");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(registry)) {
            if (!line.startsWith(group.value() + " ")) {
                lines.add(line);
            }
        }
        lines.add("deleted " + group.value());
        Files.write(registry, lines);
    }

    private ControllerClient startCluster(int nodes) throws Exception {
        cluster = new InJvmCluster(root, nodes);
        for (int id = 1; id <= nodes; id++) {
            cluster.start(id);
        }
        return cluster.admin();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void writeKeys(ShardKvClient client, String value) {
        for (int i = 0; i < KEYS; i++) {
            assertThat(client.run(new KvOp.Put(bytes("key" + i), bytes(value))))
                    .isEqualTo(new KvResult.Ok());
        }
    }

    private static void appendToKeys(ShardKvClient client, String suffix) {
        for (int i = 0; i < KEYS; i++) {
            assertThat(client.run(new KvOp.Append(bytes("key" + i), bytes(suffix))))
                    .isEqualTo(new KvResult.Ok());
        }
    }

    private static void assertKeys(ShardKvClient client, String value) {
        for (int i = 0; i < KEYS; i++) {
            assertThat(client.run(new KvOp.Get(bytes("key" + i))))
                    .isInstanceOfSatisfying(
                            KvResult.Value.class,
                            read -> assertThat(read.value()).isEqualTo(bytes(value)));
        }
    }
}
