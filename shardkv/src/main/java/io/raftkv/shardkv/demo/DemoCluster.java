package io.raftkv.shardkv.demo;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.client.ControllerUnavailableException;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.redis.RedisFrontEnd;
import io.raftkv.shardkv.server.ShardKvNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A whole raftkv cluster in one JVM, on loopback: {@code nodes} real nodes (Netty, write-ahead
 * logs), the controller group on the first three (or all, if fewer), and {@code groups} replica
 * groups of three replicas each, joined and balanced on first start. Node {@code i} listens on
 * {@code basePort + i - 1}, so a restart with the same data directory finds its cluster again.
 */
public final class DemoCluster implements AutoCloseable {
    /** Replica groups are numbered from here. */
    public static final int FIRST_GROUP = 100;

    private static final Duration ADMIN_DEADLINE = Duration.ofSeconds(30);

    private final Path dataDirectory;
    private final boolean temporary;
    private final List<Member> members = new ArrayList<>();
    private final List<Member> controllers;
    private final TreeMap<NodeId, ShardKvNode> nodes = new TreeMap<>();
    private final ShardKvClient client;
    private final TreeMap<NodeId, RedisFrontEnd> redis = new TreeMap<>();

    /** Nodes serve no RESP: {@link #DemoCluster(int, int, Path, int, int)} with no Redis port. */
    public DemoCluster(int nodeCount, int groupCount, Path dataDirectory, int basePort)
            throws IOException, InterruptedException {
        this(nodeCount, groupCount, dataDirectory, basePort, NO_REDIS);
    }

    /** For {@code redisBasePort}: no node serves RESP. */
    public static final int NO_REDIS = -1;

    /**
     * @param dataDirectory where the nodes keep their data; null for a temporary directory deleted
     *     on close
     * @param basePort the first node's port; 0 picks free ports (then a restart cannot find them)
     * @param redisBasePort node i serves RESP (the Redis protocol) on this port + i - 1; 0 picks
     *     free ports; {@link #NO_REDIS} for none
     */
    public DemoCluster(
            int nodeCount, int groupCount, Path dataDirectory, int basePort, int redisBasePort)
            throws IOException, InterruptedException {
        Check.argument(nodeCount >= 1 && nodeCount <= 9, "nodes must be 1 to 9, got %d", nodeCount);
        Check.argument(
                groupCount >= 1 && groupCount <= 20, "groups must be 1 to 20, got %d", groupCount);
        this.temporary = dataDirectory == null;
        this.dataDirectory = temporary ? Files.createTempDirectory("raftkv-demo") : dataDirectory;
        for (int i = 1; i <= nodeCount; i++) {
            int port = basePort == 0 ? freePort() : basePort + i - 1;
            members.add(new Member(NodeId.of(i), "127.0.0.1:" + port));
        }
        this.controllers = members.subList(0, Math.min(3, nodeCount));
        for (Member member : members) {
            start(member);
        }
        this.client = new ShardKvClient(controllers, new KvRouter.Options(30_000, 200));
        joinGroupsOnFirstStart(groupCount);
        if (redisBasePort != NO_REDIS) {
            startRedis(redisBasePort);
        }
    }

    private void startRedis(int redisBasePort) throws InterruptedException {
        for (Member member : members) {
            int id = member.node().value();
            InetSocketAddress address =
                    new InetSocketAddress(
                            "127.0.0.1", redisBasePort == 0 ? 0 : redisBasePort + id - 1);
            redis.put(
                    member.node(),
                    RedisFrontEnd.start(
                            nodes.get(member.node()),
                            controllers,
                            address,
                            Optional.empty(),
                            RedisFrontEnd.DEFAULT_TIMEOUT));
        }
    }

    /** Where each node serves RESP, in node order; empty if the demo serves none. */
    public List<InetSocketAddress> redisAddresses() {
        return redis.values().stream().map(RedisFrontEnd::address).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void start(Member member) throws IOException, InterruptedException {
        InetSocketAddress listen =
                new InetSocketAddress("127.0.0.1", member.socketAddress().getPort());
        Path directory = dataDirectory.resolve("node-" + member.node().value());
        nodes.put(
                member.node(),
                ShardKvNode.start(
                        ShardKvNode.Config.of(member.node(), listen, directory, controllers)));
    }

    /** On a fresh cluster (no group in the latest config), joins every replica group. */
    private void joinGroupsOnFirstStart(int groupCount) {
        ShardConfig latest = awaitConfig();
        if (!latest.groups().isEmpty()) {
            return;
        }
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        int replicas = Math.min(3, members.size());
        for (int g = 0; g < groupCount; g++) {
            List<Member> replicaMembers = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                replicaMembers.add(members.get((g + r) % members.size()));
            }
            groups.put(GroupId.of(FIRST_GROUP + g), replicaMembers);
        }
        try (ControllerClient admin =
                new ControllerClient(
                        controllers.stream().map(Member::socketAddress).toList(), ADMIN_DEADLINE)) {
            admin.join(groups);
        } catch (ControllerUnavailableException e) {
            throw new IllegalStateException("could not join the groups: " + e.getMessage(), e);
        }
    }

    /** The latest config, once the controller group has elected a leader and answers. */
    private ShardConfig awaitConfig() {
        long deadline = System.nanoTime() + ADMIN_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ShardConfig> config = client.config(-1);
            if (config.isPresent()) {
                return config.get();
            }
        }
        throw new IllegalStateException(
                "the controller group did not answer within " + ADMIN_DEADLINE);
    }

    /** The controller list to give {@code raftkv admin|kv|shell --controllers}. */
    public String controllerList() {
        return controllers.stream().map(Member::address).collect(Collectors.joining(","));
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Node {@code id} (from 1). */
    public ShardKvNode node(int id) {
        return nodes.get(NodeId.of(id));
    }

    /** A client of this cluster (closed with it). */
    public ShardKvClient client() {
        return client;
    }

    /** The latest config, if the controller answered. */
    public Optional<ShardConfig> latestConfig() {
        return client.config(-1);
    }

    /** Every group of {@code config}, as it reports itself. */
    public List<GroupStatus> status(ShardConfig config) {
        Map<GroupId, Long> commits = new TreeMap<>();
        for (ShardKvNode node : nodes.values()) {
            for (Map.Entry<GroupId, RaftStatus> entry : node.raftNode().status().entrySet()) {
                commits.merge(entry.getKey(), entry.getValue().commitIndex(), Math::max);
            }
        }
        List<GroupStatus> statuses = new ArrayList<>();
        for (var entry : config.groups().entrySet()) {
            GroupId group = entry.getKey();
            Optional<ShardKvClient.GroupView> view = client.groupStatus(group, entry.getValue());
            statuses.add(
                    new GroupStatus(
                            group,
                            view.map(ShardKvClient.GroupView::leader),
                            config.shardsOf(group),
                            view.map(v -> v.status().configNumber()).orElse(-1L),
                            view.map(v -> v.status().shards()).orElse(new TreeMap<>()),
                            commits.getOrDefault(group, 0L)));
        }
        return statuses;
    }

    @Override
    public void close() throws IOException {
        redis.values().forEach(RedisFrontEnd::close);
        client.close();
        for (ShardKvNode node : nodes.values()) {
            node.close();
        }
        if (temporary) {
            try (Stream<Path> paths = Files.walk(dataDirectory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
