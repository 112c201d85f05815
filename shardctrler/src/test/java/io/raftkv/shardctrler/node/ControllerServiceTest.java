package io.raftkv.shardctrler.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.node.RaftNode;
import io.raftkv.raft.node.ValueSetStateMachine;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.client.ControllerUnavailableException;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller as a service on real nodes and sockets: admin commands through the client.
 * (Replicas appearing on nodes as configs name them is {@code ShardKvNode}'s, tested in shardkv.)
 */
class ControllerServiceTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir Path root;
    private final Map<NodeId, InetSocketAddress> addresses = new TreeMap<>();
    private final List<RaftNode> nodes = new ArrayList<>();
    private final List<ControllerClient> clients = new ArrayList<>();

    private void startCluster() throws Exception {
        for (int i = 1; i <= 3; i++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                addresses.put(
                        NodeId.of(i), new InetSocketAddress("127.0.0.1", socket.getLocalPort()));
            }
        }
        Membership controllers = new Membership(List.copyOf(addresses.keySet()));
        for (NodeId id : addresses.keySet()) {
            RaftNode.Config config =
                    new RaftNode.Config(
                            id,
                            addresses.get(id),
                            addresses,
                            root.resolve("n" + id.value()),
                            Map.of(GroupId.CONTROLLER, controllers),
                            HostOptions.defaults(),
                            10,
                            "test",
                            Optional.empty(),
                            (where, cause) -> {
                                throw new AssertionError(where, cause);
                            });
            RaftNode node =
                    RaftNode.start(
                            config,
                            group ->
                                    group.equals(GroupId.CONTROLLER)
                                            ? new ControllerStateMachine(10)
                                            : new ValueSetStateMachine());
            nodes.add(node);
        }
    }

    private ControllerClient client(Duration deadline) {
        ControllerClient client = new ControllerClient(List.copyOf(addresses.values()), deadline);
        clients.add(client);
        return client;
    }

    private SortedMap<GroupId, List<Member>> group(int id, int... nodeIds) {
        List<Member> members = new ArrayList<>();
        for (int node : nodeIds) {
            InetSocketAddress address = addresses.get(NodeId.of(node));
            members.add(new Member(NodeId.of(node), "127.0.0.1:" + address.getPort()));
        }
        SortedMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(GroupId.of(id), members);
        return groups;
    }

    @AfterEach
    void stop() throws IOException {
        clients.forEach(ControllerClient::close);
        for (RaftNode node : nodes) {
            node.close();
        }
    }

    @Test
    void joinsAndLeavesAreAppliedAndOldConfigsStayReadable() throws Exception {
        startCluster();
        ControllerClient admin = client(Duration.ofSeconds(20));
        assertThat(admin.join(group(1, 1, 2, 3))).isEqualTo(new ControllerResult.Done(1));
        ShardConfig first = admin.query(-1);
        assertThat(admin.join(group(2, 2, 3))).isEqualTo(new ControllerResult.Done(2));
        ShardConfig config = admin.query(-1);
        assertThat(config.groups()).containsOnlyKeys(GroupId.of(1), GroupId.of(2));
        assertThat(config.shardsOf(GroupId.of(1))).hasSize(5);
        assertThat(admin.leave(List.of(GroupId.of(1)))).isEqualTo(new ControllerResult.Done(3));
        assertThat(admin.query(-1).shardsOf(GroupId.of(2))).hasSize(10);
        assertThat(admin.query(1)).as("config 1 is still served").isEqualTo(first);
    }

    @Test
    void badCommandsGetDefiniteAnswers() throws Exception {
        startCluster();
        ControllerClient admin = client(Duration.ofSeconds(20));
        admin.join(group(1, 1, 2, 3));
        assertThat(admin.join(group(1, 1)))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.GROUP_EXISTS));
        assertThat(admin.leave(List.of(GroupId.of(9))))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.UNKNOWN_GROUP));
        assertThat(admin.move(10, GroupId.of(1)))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.SHARD_OUT_OF_RANGE));
        assertThat(admin.query(-1).number()).isEqualTo(1);
    }

    @Test
    void replicasChangeThroughTheClientAndOnlyNodesClaimThem() throws Exception {
        startCluster();
        ControllerClient admin = client(Duration.ofSeconds(20));
        admin.join(group(1, 1, 2));
        Member third = group(1, 3).get(GroupId.of(1)).getFirst();
        assertThat(admin.addReplica(GroupId.of(1), third)).isEqualTo(new ControllerResult.Done(2));
        assertThat(admin.removeReplica(GroupId.of(1), NodeId.of(1)))
                .isEqualTo(new ControllerResult.Done(3));
        assertThat(
                        admin.replaceReplica(
                                GroupId.of(1), NodeId.of(2), new Member(NodeId.of(9), "h:9")))
                .isEqualTo(new ControllerResult.Done(4));
        assertThat(admin.drain(NodeId.of(7))).isEqualTo(new ControllerResult.Done(4));
        assertThat(admin.query(-1).groups().get(GroupId.of(1)))
                .containsExactly(third, new Member(NodeId.of(9), "h:9"));
        assertThat(admin.claim(GroupId.of(1), NodeId.of(3), 5))
                .as("a claim from an admin connection")
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(ControllerResult.Reason.FORBIDDEN));
        try (ControllerClient node =
                new ControllerClient(
                        List.copyOf(addresses.values()),
                        Duration.ofSeconds(20),
                        EndpointIdentity.node("test", NodeId.of(3)))) {
            assertThat(node.claim(GroupId.of(1), NodeId.of(3), 5))
                    .isEqualTo(
                            new ControllerResult.Claimed(
                                    false, List.of(NodeId.of(1), NodeId.of(2))));
        }
    }

    @Test
    void anUnreachableControllerFailsWithAClearErrorAfterTheDeadline() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (ControllerClient lonely =
                new ControllerClient(
                        List.of(new InetSocketAddress("127.0.0.1", port)), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> lonely.query(-1))
                    .isInstanceOf(ControllerUnavailableException.class)
                    .hasMessageContaining("no controller completed it within PT2S");
        }
    }
}
