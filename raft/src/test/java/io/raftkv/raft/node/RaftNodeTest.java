package io.raftkv.raft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.NettyEndpoint;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.host.Envelope;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes on real sockets and disks in one JVM: replication, restarts, and bad client input. */
class RaftNodeTest {
    @TempDir Path root;

    @Test
    void groupsReplicateWritesAcrossNodesAndReadsSeeThem() throws Exception {
        try (LocalCluster cluster = new LocalCluster(root, 3, 2)) {
            for (GroupId group : cluster.groups()) {
                for (long value = 1; value <= 20; value++) {
                    cluster.write(group, group.value() * 1000L + value);
                }
            }
            for (GroupId group : cluster.groups()) {
                TreeSet<Long> values = cluster.read(group);
                assertThat(values).hasSize(20).first().isEqualTo(group.value() * 1000L + 1);
            }
        }
    }

    @Test
    void aRestartedLeaderRecoversItsLogFromDiskAndCatchesUp() throws Exception {
        try (LocalCluster cluster = new LocalCluster(root, 3, 1)) {
            GroupId group = cluster.groups().getFirst();
            for (long value = 1; value <= 50; value++) {
                cluster.write(group, value);
            }
            NodeId leader = cluster.awaitLeader(group);
            cluster.stop(leader);
            for (long value = 51; value <= 100; value++) {
                cluster.write(group, value);
            }
            cluster.start(leader);
            long committed = cluster.write(group, 101);
            cluster.await(
                    () ->
                            cluster.status(leader).get(group).appliedIndex() >= committed
                                    ? java.util.Optional.of(true)
                                    : java.util.Optional.empty(),
                    "the restarted node to catch up to " + committed);
            assertThat(cluster.read(group)).hasSize(101);
        }
    }

    @Test
    void aWholeClusterRestartLosesNothingAcknowledged() throws Exception {
        try (LocalCluster cluster = new LocalCluster(root, 3, 2)) {
            for (GroupId group : cluster.groups()) {
                for (long value = 1; value <= 30; value++) {
                    cluster.write(group, value);
                }
            }
            for (NodeId node : cluster.nodeIds()) {
                cluster.stop(node);
            }
            for (NodeId node : cluster.nodeIds()) {
                cluster.start(node);
            }
            for (GroupId group : cluster.groups()) {
                assertThat(cluster.read(group)).hasSize(30);
            }
        }
    }

    @Test
    void aCommandAsLargeAsAFrameAllowsIsReplicatedAndOneByteMoreIsTooLarge() throws Exception {
        int limit = RaftWire.COMMAND_BYTES_MAX;
        assertThat(RaftOptions.defaults().commandBytesMax()).isEqualTo(limit);
        // NB: a 16 MiB entry takes a while to sync on every node; longer ticks keep the
        // leader's heartbeats inside the election timeout meanwhile.
        try (LocalCluster cluster = new LocalCluster(root, 3, 1, group -> commandSizes(), 50)) {
            GroupId group = cluster.groups().getFirst();
            NodeId leader = cluster.awaitLeader(group);
            ClientReply refused =
                    cluster.request(
                            leader, new ClientRequest.Propose(1, group, new byte[limit + 1]));
            assertThat(refused)
                    .isEqualTo(
                            new ClientReply.TooLarge(
                                    1, "command of 16711681 bytes exceeds the limit of 16711680"));

            long index = cluster.propose(group, new byte[limit], "a command of the largest size");
            for (NodeId node : cluster.nodeIds()) {
                cluster.await(
                        () ->
                                cluster.status(node).get(group).appliedIndex() >= index
                                        ? Optional.of(true)
                                        : Optional.empty(),
                        node + " to apply the largest command");
                assertThat(cluster.networkStats(node))
                        .as("no frame refused")
                        .contains("rejected=0");
            }
            assertThat(cluster.read(group)).containsExactly((long) limit);
        }
    }

    /** A state machine that takes commands of any size and keeps the set of their sizes. */
    private static QueryableStateMachine commandSizes() {
        ValueSetStateMachine sizes = new ValueSetStateMachine();
        return new QueryableStateMachine() {
            @Override
            public Object apply(long index, byte[] command) {
                return sizes.apply(index, ValueSetStateMachine.command(command.length));
            }

            @Override
            public Optional<Access> commandAccess(byte[] command) {
                return Optional.of(Access.CLIENT);
            }

            @Override
            public Access queryAccess(byte[] query) {
                return Access.CLIENT;
            }

            @Override
            public byte[] snapshot() {
                return sizes.snapshot();
            }

            @Override
            public void restore(byte[] snapshot) {
                sizes.restore(snapshot);
            }

            @Override
            public byte[] query(byte[] request) {
                return sizes.query(request);
            }
        };
    }

    @Test
    void malformedCommandsAndUnknownGroupsGetClearAnswers() throws Exception {
        try (LocalCluster cluster = new LocalCluster(root, 3, 1)) {
            GroupId group = cluster.groups().getFirst();
            NodeId leader = cluster.awaitLeader(group);
            ClientReply badCommand =
                    cluster.request(leader, new ClientRequest.Propose(1, group, new byte[3]));
            assertThat(badCommand).isInstanceOf(ClientReply.Invalid.class);
            ClientReply unknownGroup =
                    cluster.request(leader, new ClientRequest.Read(2, GroupId.of(99)));
            assertThat(unknownGroup).isInstanceOf(ClientReply.NotLeader.class);
            assertThat(cluster.write(group, 7)).isPositive();
        }
    }

    /**
     * A Raft heartbeat from a connection that is no peer (a client, or a node of another cluster)
     * would raise a follower's term and commit index at will; it is refused, the connection is
     * closed, and nothing changes.
     */
    @Test
    void raftMessagesFromAClientOrAnotherClusterAreRefused() throws Exception {
        try (LocalCluster cluster = new LocalCluster(root, 3, 1)) {
            GroupId group = cluster.groups().getFirst();
            cluster.write(group, 1);
            NodeId leader = cluster.awaitLeader(group);
            NodeId follower =
                    cluster.nodeIds().stream().filter(n -> !n.equals(leader)).findFirst().get();
            RaftStatus before = cluster.status(follower).get(group);
            RaftFrame forged =
                    new RaftFrame(
                            leader,
                            List.of(
                                    new Envelope(
                                            group,
                                            new Message.Heartbeat(
                                                    leader,
                                                    follower,
                                                    before.term() + 5,
                                                    1_000,
                                                    0,
                                                    false))));

            sendFrom(EndpointIdentity.client(), cluster.address(follower), forged);
            sendFrom(EndpointIdentity.node("other", leader), cluster.address(follower), forged);

            cluster.await(
                    () ->
                            cluster.networkStats(follower).contains("rejected=2")
                                    ? Optional.of(true)
                                    : Optional.empty(),
                    "both connections refused");
            assertThat(cluster.write(group, 2)).isPositive();
            RaftStatus after = cluster.status(follower).get(group);
            assertThat(after.term()).as("term").isEqualTo(before.term());
            assertThat(cluster.read(group)).containsExactly(1L, 2L);
        }
    }

    private static void sendFrom(EndpointIdentity identity, InetSocketAddress to, Object frame) {
        try (NettyEndpoint stranger =
                new NettyEndpoint("stranger", RaftWire.codec(), (c, f) -> {}, identity)) {
            NodeId target = NodeId.of(1);
            stranger.addPeer(target, to);
            CompletableFuture.runAsync(() -> stranger.send(target, frame), stranger.loop()).join();
            CompletableFuture.runAsync(() -> {}, stranger.loop()).join();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // let the frame leave
        }
    }
}
