package io.raftkv.shardkv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real {@link ShardKvNode}s on loopback sockets in one JVM, each with its data directory under
 * {@code root}: node i is member i - 1, and the first three host the controller.
 */
final class InJvmCluster implements AutoCloseable {
    private final Path root;
    private final List<Member> members = new ArrayList<>();
    private final Map<NodeId, ShardKvNode> nodes = new TreeMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    InJvmCluster(Path root, int nodeCount) throws IOException {
        this.root = root;
        for (int i = 1; i <= nodeCount; i++) {
            members.add(new Member(NodeId.of(i), "127.0.0.1:" + FreePorts.belowEphemeralRange()));
        }
    }

    Member member(int id) {
        return members.get(id - 1);
    }

    List<Member> members(int... ids) {
        return java.util.Arrays.stream(ids).mapToObj(this::member).toList();
    }

    List<Member> controllers() {
        return members.subList(0, 3);
    }

    ShardKvNode node(int id) {
        return nodes.get(NodeId.of(id));
    }

    void start(int id) throws IOException, InterruptedException {
        NodeId node = NodeId.of(id);
        InetSocketAddress listen =
                new InetSocketAddress("127.0.0.1", member(id).socketAddress().getPort());
        nodes.put(
                node,
                ShardKvNode.start(
                        ShardKvNode.Config.of(node, listen, dataDirectory(id), controllers())));
    }

    void stop(int id) throws IOException {
        nodes.remove(NodeId.of(id)).close();
    }

    /** Deletes a stopped node's data directory, as a dead disk loses it. */
    void wipe(int id) throws IOException {
        try (Stream<Path> files = Files.walk(dataDirectory(id))) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private Path dataDirectory(int id) {
        return root.resolve("n" + id);
    }

    ControllerClient admin() {
        List<InetSocketAddress> addresses =
                controllers().stream().map(Member::socketAddress).toList();
        ControllerClient admin = new ControllerClient(addresses, Duration.ofSeconds(30));
        clients.add(admin);
        return admin;
    }

    ShardKvClient client() {
        ShardKvClient client = new ShardKvClient(controllers(), new KvRouter.Options(30_000, 200));
        clients.add(client);
        return client;
    }

    /** The status of node {@code id}'s replica of {@code group}, if it hosts one. */
    Optional<RaftStatus> status(int id, GroupId group) {
        var raft = node(id).raftNode();
        return raft.loop().submit(() -> raft.host().status(group)).syncUninterruptibly().getNow();
    }

    /** The membership as the group's current leader holds it, if a running node leads it. */
    Optional<Membership> leaderMembership(GroupId group) {
        for (NodeId id : nodes.keySet()) {
            Optional<RaftStatus> status = status(id.value(), group);
            if (status.isPresent() && status.get().role() == Role.LEADER) {
                return Optional.of(status.get().membership());
            }
        }
        return Optional.empty();
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        for (ShardKvNode node : nodes.values()) {
            node.close();
        }
    }
}
