package io.raftkv.raft.node;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.HostOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/** Real {@link RaftNode}s in this JVM on loopback ports, with a client, for node-level tests. */
final class LocalCluster implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final Path root;
    private final TreeMap<NodeId, InetSocketAddress> members = new TreeMap<>();
    private final TreeMap<NodeId, RaftNode> nodes = new TreeMap<>();
    private final List<GroupId> groups = new ArrayList<>();
    private final Map<GroupId, Membership> memberships = new TreeMap<>();
    private final RaftNode.StateMachineFactory stateMachines;
    private final long tickMillis;
    private final RaftClient client;
    private final AtomicLong requestIds = new AtomicLong();

    /**
     * Nodes whose groups are sets of values ({@link ValueSetStateMachine}), ticking every 10 ms.
     */
    LocalCluster(Path root, int nodeCount, int groupCount) throws Exception {
        this(root, nodeCount, groupCount, group -> new ValueSetStateMachine(), 10);
    }

    LocalCluster(
            Path root,
            int nodeCount,
            int groupCount,
            RaftNode.StateMachineFactory stateMachines,
            long tickMillis)
            throws Exception {
        this.root = root;
        this.stateMachines = stateMachines;
        this.tickMillis = tickMillis;
        for (int i = 1; i <= nodeCount; i++) {
            members.put(NodeId.of(i), new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int g = 1; g <= groupCount; g++) {
            groups.add(GroupId.of(g));
            memberships.put(GroupId.of(g), new Membership(List.copyOf(members.keySet())));
        }
        for (NodeId id : members.keySet()) {
            start(id);
        }
        client = new RaftClient(members, Duration.ofSeconds(2));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    void start(NodeId id) throws Exception {
        RaftNode.Config config =
                new RaftNode.Config(
                        id,
                        members.get(id),
                        members,
                        root.resolve("n" + id.value()),
                        memberships,
                        HostOptions.defaults().withSnapshotEntries(500),
                        tickMillis,
                        "test",
                        Optional.empty(),
                        (where, cause) -> {
                            throw new AssertionError(where, cause);
                        });
        nodes.put(id, RaftNode.start(config, stateMachines));
    }

    void stop(NodeId id) throws IOException {
        nodes.remove(id).close();
    }

    List<GroupId> groups() {
        return groups;
    }

    List<NodeId> nodeIds() {
        return List.copyOf(members.keySet());
    }

    /** The node that leads {@code group} in the newest term, waiting for one. */
    NodeId awaitLeader(GroupId group) {
        return await(() -> leaderOf(group), "a leader of " + group);
    }

    private Optional<NodeId> leaderOf(GroupId group) {
        NodeId best = null;
        long bestTerm = -1;
        for (var entry : nodes.entrySet()) {
            RaftStatus status = entry.getValue().status().get(group);
            if (status != null && status.role() == Role.LEADER && status.term() > bestTerm) {
                best = entry.getKey();
                bestTerm = status.term();
            }
        }
        return Optional.ofNullable(best);
    }

    /** Writes {@code value} to {@code group} through its leader, retrying until applied. */
    long write(GroupId group, long value) {
        return propose(group, ValueSetStateMachine.command(value), "write of " + value);
    }

    /** Proposes {@code command} to {@code group} through its leader, retrying until applied. */
    long propose(GroupId group, byte[] command, String what) {
        return throughLeader(
                group,
                id -> new ClientRequest.Propose(id, group, command),
                reply ->
                        reply instanceof ClientReply.Applied applied
                                ? Optional.of(applied.index())
                                : Optional.empty(),
                what + " to " + group);
    }

    /** The group's values, read linearizably through its leader. */
    TreeSet<Long> read(GroupId group) {
        return throughLeader(
                group,
                id -> new ClientRequest.Read(id, group),
                reply ->
                        reply instanceof ClientReply.Value value
                                ? Optional.of(ValueSetStateMachine.decode(value.value()))
                                : Optional.empty(),
                "a read of " + group);
    }

    /**
     * Sends requests to the group's current leader until one gets the answer {@code result} wants.
     */
    private <T> T throughLeader(
            GroupId group,
            LongFunction<ClientRequest> request,
            Function<ClientReply, Optional<T>> result,
            String what) {
        return await(
                () ->
                        leaderOf(group)
                                .flatMap(
                                        leader ->
                                                result.apply(
                                                        request(
                                                                leader,
                                                                request.apply(
                                                                        requestIds
                                                                                .incrementAndGet())))),
                what);
    }

    ClientReply request(NodeId node, ClientRequest request) {
        try {
            return client.send(node, request).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return new ClientReply.Overloaded(request.requestId(), "no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    InetSocketAddress address(NodeId node) {
        return members.get(node);
    }

    String networkStats(NodeId node) {
        return nodes.get(node).networkStats();
    }

    Map<GroupId, RaftStatus> status(NodeId node) {
        return nodes.get(node).status();
    }

    /**
     * Polls {@code probe} until it yields a value; fails after {@link #PATIENCE} with every node's
     * status and connections.
     */
    <T> T await(Supplier<Optional<T>> probe, String what) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "waited %s for %s; cluster:%s".formatted(PATIENCE, what, describe()));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private String describe() {
        StringBuilder text = new StringBuilder();
        for (var entry : nodes.entrySet()) {
            text.append("\n  ").append(entry.getKey()).append(": ");
            text.append(entry.getValue().status().values());
            text.append("\n    ").append(entry.getValue().networkStats());
        }
        return text.toString();
    }

    @Override
    public void close() throws IOException {
        client.close();
        for (RaftNode node : nodes.values()) {
            node.close();
        }
        nodes.clear();
    }
}
