package io.raftkv.shardkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded store on real nodes and sockets in one JVM: three nodes host the controller and two
 * replica groups; a client writes through joins, a leave (a migration over the network) and a node
 * restart, and reads everything back.
 */
class ShardKvNodeTest {
    private static final GroupId A = GroupId.of(100);
    private static final GroupId B = GroupId.of(101);

    @TempDir Path root;
    private final List<Member> members = new ArrayList<>();
    private final Map<NodeId, ShardKvNode> nodes = new TreeMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private boolean offHeap;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        for (ShardKvNode node : nodes.values()) {
            node.close();
        }
    }

    private void start(NodeId id) throws Exception {
        Member self = members.get(id.value() - 1);
        InetSocketAddress listen =
                new InetSocketAddress("127.0.0.1", self.socketAddress().getPort());
        ShardKvNode.Config defaults =
                ShardKvNode.Config.of(id, listen, root.resolve("n" + id.value()), controllers());
        ShardKvNode.Config config =
                new ShardKvNode.Config(
                        id,
                        listen,
                        defaults.dataDirectory(),
                        controllers(),
                        defaults.shardCount(),
                        defaults.chunkBytes(),
                        offHeap,
                        defaults.hostOptions(),
                        defaults.tickMillis(),
                        defaults.clusterId(),
                        defaults.tls(),
                        defaults.failStop());
        nodes.put(id, ShardKvNode.start(config));
    }

    /** The first three nodes host the controller. */
    private List<Member> controllers() {
        return members.subList(0, 3);
    }

    private ControllerClient admin() {
        List<InetSocketAddress> addresses =
                controllers().stream().map(Member::socketAddress).toList();
        ControllerClient admin = new ControllerClient(addresses, Duration.ofSeconds(30));
        clients.add(admin);
        return admin;
    }

    /** Every replica's config number, shard statuses and role, for a failure message. */
    private String describe() {
        StringBuilder text = new StringBuilder();
        for (ShardKvNode node : nodes.values()) {
            var raft = node.raftNode();
            text.append(
                    raft.loop()
                            .submit(
                                    () -> {
                                        StringBuilder line = new StringBuilder();
                                        for (GroupId group : List.of(A, B)) {
                                            raft.stateMachine(group)
                                                    .map(KvStateMachine.class::cast)
                                                    .ifPresent(
                                                            m ->
                                                                    line.append(
                                                                            "%n%s %s config %d %s %s"
                                                                                    .formatted(
                                                                                            node
                                                                                                    .id(),
                                                                                            group,
                                                                                            m
                                                                                                    .configNumber(),
                                                                                            m
                                                                                                    .shardStatuses(),
                                                                                            raft.host()
                                                                                                    .status(
                                                                                                            group)
                                                                                                    .orElseThrow()
                                                                                                    .role())));
                                        }
                                        return line.toString();
                                    })
                            .syncUninterruptibly()
                            .getNow());
        }
        return text.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesSurviveMigrationsAndARestart() throws Exception {
        writesThroughJoinsALeaveAndARestart();
    }

    @Test
    void theSameWithKeysInMapDbFiles() throws Exception {
        offHeap = true;
        writesThroughJoinsALeaveAndARestart();
    }

    @Test
    void aGroupJoinedAndRemovedWhileItsNodesWereDownStillHandsItsShardsBack() throws Exception {
        for (int i = 1; i <= 6; i++) {
            members.add(new Member(NodeId.of(i), "127.0.0.1:" + FreePorts.belowEphemeralRange()));
        }
        for (int i = 1; i <= 3; i++) {
            start(NodeId.of(i));
        }
        ControllerClient admin = admin();
        admin.join(new TreeMap<>(Map.of(A, controllers())));
        ShardKvClient client = new ShardKvClient(controllers(), new KvRouter.Options(30_000, 200));
        clients.add(client);
        for (int i = 0; i < 20; i++) {
            assertThat(client.run(new KvOp.Put(bytes("key" + i), bytes("v" + i))))
                    .isEqualTo(new KvResult.Ok());
        }
        // B is given shards and removed again before any of its nodes runs: they only ever see a
        // latest config without B, yet A waits at B's config until B has taken and returned them.
        admin.join(new TreeMap<>(Map.of(B, members.subList(3, 6))));
        admin.leave(List.of(B));
        for (int i = 4; i <= 6; i++) {
            start(NodeId.of(i));
        }
        for (int i = 0; i < 20; i++) {
            KvResult read = client.run(new KvOp.Get(bytes("key" + i)));
            assertThat(read).as(this::describe).isInstanceOf(KvResult.Value.class);
            assertThat(((KvResult.Value) read).value()).isEqualTo(bytes("v" + i));
        }
    }

    /**
     * A client connection may read and write, not move data: a forged DeleteShard would drop a
     * shard, and a Pull would read one without its sessions' checks. Both are refused, and the
     * shard's keys are still there.
     */
    @Test
    void groupInternalCommandsFromAClientAreRefusedAndChangeNothing() throws Exception {
        for (int i = 1; i <= 3; i++) {
            members.add(new Member(NodeId.of(i), "127.0.0.1:" + FreePorts.belowEphemeralRange()));
        }
        for (int i = 1; i <= 3; i++) {
            start(NodeId.of(i));
        }
        admin().join(new TreeMap<>(Map.of(A, members)));
        ShardKvClient client = new ShardKvClient(members, new KvRouter.Options(30_000, 200));
        clients.add(client);
        for (int i = 0; i < 10; i++) {
            assertThat(client.run(new KvOp.Put(bytes("key" + i), bytes("v" + i))))
                    .isEqualTo(new KvResult.Ok());
        }
        awaitEveryNodeHosts(A); // else a node without the replica answers NotLeader
        Map<NodeId, InetSocketAddress> addresses = new TreeMap<>();
        members.forEach(m -> addresses.put(m.node(), m.socketAddress()));
        try (RaftClient stranger = new RaftClient(addresses, Duration.ofSeconds(5))) {
            long requestId = 0;
            for (int shard = 0; shard < 10; shard++) {
                byte[] delete = KvCodec.encode(new KvCommand.DeleteShard(1, shard));
                byte[] pull = KvCodec.encode(new KvQuery.Pull(1, shard, null, 1 << 20));
                for (NodeId node : addresses.keySet()) {
                    assertRefused(
                            stranger.send(node, new ClientRequest.Propose(++requestId, A, delete)));
                    assertRefused(
                            stranger.send(node, new ClientRequest.Read(++requestId, A, pull)));
                }
            }
        }
        for (int i = 0; i < 10; i++) {
            KvResult read = client.run(new KvOp.Get(bytes("key" + i)));
            assertThat(read).isInstanceOf(KvResult.Value.class);
            assertThat(((KvResult.Value) read).value()).isEqualTo(bytes("v" + i));
        }
    }

    private void awaitEveryNodeHosts(GroupId group) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!nodes.values().stream().allMatch(n -> n.raftNode().groups().contains(group))) {
            assertThat(System.nanoTime()).as("every node hosts %s", group).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static void assertRefused(CompletableFuture<ClientReply> reply) {
        assertThat(reply.join())
                .isInstanceOfSatisfying(
                        ClientReply.Forbidden.class,
                        forbidden ->
                                assertThat(forbidden.reason())
                                        .startsWith("FORBIDDEN: ")
                                        .contains("only the cluster's nodes"));
    }

    private void writesThroughJoinsALeaveAndARestart() throws Exception {
        for (int i = 1; i <= 3; i++) {
            members.add(new Member(NodeId.of(i), "127.0.0.1:" + FreePorts.belowEphemeralRange()));
        }
        for (int i = 1; i <= 3; i++) {
            start(NodeId.of(i));
        }
        ControllerClient admin = admin();
        TreeMap<GroupId, List<Member>> joinA = new TreeMap<>(Map.of(A, members));
        admin.join(joinA);
        ShardKvClient client = new ShardKvClient(members, new KvRouter.Options(30_000, 200));
        clients.add(client);

        List<CompletableFuture<KvResult>> writes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            writes.add(client.execute(new KvOp.Put(bytes("key" + i), bytes("v" + i))));
        }
        writes.forEach(w -> assertThat(w.join()).isEqualTo(new KvResult.Ok()));

        admin.join(new TreeMap<>(Map.of(B, members)));
        for (int i = 0; i < 50; i++) {
            assertThat(client.run(new KvOp.Append(bytes("key" + i), bytes("+b"))))
                    .isEqualTo(new KvResult.Ok());
        }
        admin.leave(List.of(A));
        assertThat(client.config(-1).orElseThrow().shardsOf(A)).isEmpty();

        nodes.remove(NodeId.of(2)).close();
        start(NodeId.of(2));
        for (int i = 0; i < 50; i++) {
            KvResult read = client.run(new KvOp.Get(bytes("key" + i)));
            assertThat(read).as(this::describe).isInstanceOf(KvResult.Value.class);
            assertThat(((KvResult.Value) read).value()).isEqualTo(bytes("v" + i + "+b"));
        }
    }
}
