package io.raftkv.raft.node;

import io.netty.channel.EventLoop;
import io.raftkv.common.Check;
import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.NettyEndpoint;
import io.raftkv.common.net.Origin;
import io.raftkv.common.net.tls.TlsFiles;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.Envelope;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.storage.DataDirectoryIdentity;
import io.raftkv.raft.storage.WriteAheadLog;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One server process's Raft machinery: a {@link GroupHost} running on the event loop of a {@link
 * NettyEndpoint}, the {@link WriteAheadLog} under it, and every group of the configuration
 * replicated on every listed node. Clients send {@link ClientRequest}s to the same port.
 *
 * <p>Threading: the host, the state machines and all frame handling run on the endpoint's loop.
 */
public final class RaftNode implements AutoCloseable {
    /**
     * What a node runs.
     *
     * @param peers the addresses of the nodes known at start, this one included; more can be added
     *     later ({@link #addPeer})
     * @param groups the groups to host from the start, with their voters
     * @param clusterId the cluster this node belongs to: peers must name the same one
     * @param tls this node's certificate, key and the cluster CA for mutual TLS; empty for none
     * @param failStop where a fault of the node's own goes (the WAL failed, or something threw on
     *     the loop); a node process halts ({@link FailStop#haltProcess})
     */
    public record Config(
            NodeId id,
            InetSocketAddress listen,
            Map<NodeId, InetSocketAddress> peers,
            Path dataDirectory,
            Map<GroupId, Membership> groups,
            HostOptions hostOptions,
            long tickMillis,
            String clusterId,
            Optional<TlsFiles> tls,
            FailStop failStop) {
        public Config {
            peers = new TreeMap<>(peers);
            groups = new TreeMap<>(groups);
            Check.argument(tickMillis > 0, "tickMillis must be positive");
            Check.argument(
                    hostOptions.raft().commandBytesMax() <= RaftWire.COMMAND_BYTES_MAX,
                    "commands of up to %d bytes would not fit one frame",
                    hostOptions.raft().commandBytesMax());
            for (var entry : groups.entrySet()) {
                Check.argument(
                        entry.getValue().contains(id),
                        "%s is not a voter of %s",
                        id,
                        entry.getKey());
            }
        }
    }

    /** Makes the state machine of each group this node hosts. */
    @FunctionalInterface
    public interface StateMachineFactory {
        QueryableStateMachine create(GroupId group);
    }

    private static final System.Logger LOG = System.getLogger(RaftNode.class.getName());

    /** Frames are split well below the limit; entries in one message are already bounded. */
    private static final long FRAME_SPLIT_BYTES = 4 << 20;

    private final Config config;
    private final EndpointIdentity identity;
    private final NettyEndpoint endpoint;
    private final WriteAheadLog wal;
    private final GroupHost host;
    private final TreeMap<GroupId, QueryableStateMachine> stateMachines = new TreeMap<>();
    private final StateMachineFactory factory;
    private final SecureRandom seeds = new SecureRandom();
    private InetSocketAddress boundAddress;

    /** The data directory's incarnation ({@link DataDirectoryIdentity}). */
    private final long incarnation;

    private RaftNode(Config config, StateMachineFactory factory) throws IOException {
        this.config = config;
        this.factory = factory;
        this.incarnation =
                DataDirectoryIdentity.claim(
                        config.dataDirectory(), config.clusterId(), config.id());
        this.wal =
                WriteAheadLog.open(
                        config.dataDirectory(),
                        WriteAheadLog.Options.defaults(),
                        cause -> config.failStop().stop(config.id() + " write-ahead log", cause));
        this.identity =
                config.tls()
                        .map(tls -> EndpointIdentity.node(config.clusterId(), config.id(), tls))
                        .orElseGet(() -> EndpointIdentity.node(config.clusterId(), config.id()));
        this.endpoint =
                new NettyEndpoint(
                        "raftkv-" + config.id(), RaftWire.codec(), this::onFrame, identity);
        this.host =
                new GroupHost(
                        config.id(),
                        config.hostOptions(),
                        wal,
                        this::sendRaft,
                        endpoint.loop(),
                        config.failStop());
    }

    /** Recovers from the data directory, starts listening and starts the configured groups. */
    public static RaftNode start(Config config, StateMachineFactory stateMachines)
            throws IOException, InterruptedException {
        RaftNode node = new RaftNode(config, stateMachines);
        node.boundAddress = node.endpoint.listen(config.listen());
        config.peers().forEach(node::addPeer);
        node.onLoop(() -> config.groups().forEach(node::startGroup)).join();
        node.endpoint
                .loop()
                .scheduleAtFixedRate(
                        node.host::tick,
                        config.tickMillis(),
                        config.tickMillis(),
                        TimeUnit.MILLISECONDS);
        LOG.log(
                Level.INFO,
                "{0} listening on {1} with groups {2}",
                config.id(),
                node.boundAddress,
                config.groups().keySet());
        return node;
    }

    public NodeId id() {
        return config.id();
    }

    /**
     * The incarnation of this node's data directory: the same at every start with the same data,
     * another after the data is lost.
     */
    public long incarnation() {
        return incarnation;
    }

    /**
     * Whether the data directory held anything for {@code group} when the node started: a replica
     * that had a log. Any thread; meaningful until the group is started.
     */
    public boolean hadStoredState(GroupId group) {
        return wal.groups().contains(group);
    }

    /** Who this node is on the wire: its cluster, id and TLS, for the connections it dials. */
    public EndpointIdentity identity() {
        return identity;
    }

    /** Where {@code peer} listens; the connection is made when first needed. Any thread. */
    public void addPeer(NodeId peer, InetSocketAddress address) {
        if (!peer.equals(config.id())) {
            endpoint.addPeer(peer, address);
        }
    }

    /**
     * Starts this node's replica of {@code group} (from what the WAL holds for it, if anything)
     * unless it already hosts it. Any thread; done when the future completes.
     */
    public CompletableFuture<Void> addGroup(GroupId group, Membership membership) {
        return onLoop(
                () -> {
                    if (!host.hosts(group)) {
                        startGroup(group, membership);
                        LOG.log(
                                Level.INFO,
                                "{0} now hosts {1} with {2}",
                                config.id(),
                                group,
                                membership);
                    }
                });
    }

    /**
     * Stops this node's replica of {@code group}, if it runs one, and deletes its data, also data
     * the log holds of a group this node did not start again. Any thread.
     */
    public CompletableFuture<Void> removeGroup(GroupId group) {
        return onLoop(
                () -> {
                    boolean hosted = host.hosts(group);
                    host.removeGroup(group);
                    if (hosted) {
                        stateMachines.remove(group);
                        LOG.log(Level.INFO, "{0} no longer hosts {1}", config.id(), group);
                    }
                });
    }

    /** The groups this node hosts. Any thread. */
    public List<GroupId> groups() {
        return onLoop(host::groupIds).join();
    }

    private void startGroup(GroupId group, Membership membership) {
        QueryableStateMachine stateMachine = factory.create(group);
        stateMachines.put(group, stateMachine);
        host.addGroup(group, membership, stateMachine, seeds.nextLong());
    }

    public InetSocketAddress address() {
        return boundAddress;
    }

    /** The loop the host, the state machines and all frame handling run on. */
    public EventLoop loop() {
        return endpoint.loop();
    }

    /** The host of this node's groups. Loop thread only. */
    public GroupHost host() {
        return host;
    }

    /** The state machine of {@code group} on this node, if it hosts the group. Loop thread only. */
    public Optional<QueryableStateMachine> stateMachine(GroupId group) {
        return Optional.ofNullable(stateMachines.get(group));
    }

    /** The status of every group on this node, read on its loop. */
    public Map<GroupId, RaftStatus> status() {
        return onLoop(
                        () -> {
                            Map<GroupId, RaftStatus> result = new TreeMap<>();
                            for (GroupId group : host.groupIds()) {
                                host.status(group).ifPresent(status -> result.put(group, status));
                            }
                            return result;
                        })
                .join();
    }

    /**
     * One line for operators and benchmarks: groups hosted, how many this node leads, how many are
     * quiesced, frames so far, threads, heap in use and process CPU time.
     */
    public String statsLine() {
        String groups = onLoop(this::groupCounts).join();
        var threads = ManagementFactory.getThreadMXBean();
        var memory = ManagementFactory.getMemoryMXBean();
        long cpuNanos =
                ((com.sun.management.OperatingSystemMXBean)
                                ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime();
        return "%s framesSent=%d framesReceived=%d threads=%d heapUsedMiB=%d cpuMillis=%d"
                .formatted(
                        groups,
                        endpoint.framesSent(),
                        endpoint.framesReceived(),
                        threads.getThreadCount(),
                        memory.getHeapMemoryUsage().getUsed() >> 20,
                        cpuNanos / 1_000_000);
    }

    /** Groups hosted, led and quiesced; on the loop. */
    private String groupCounts() {
        List<GroupId> hosted = host.groupIds();
        long quiesced = hosted.stream().filter(host::isQuiesced).count();
        long leading =
                hosted.stream()
                        .filter(
                                group ->
                                        host.status(group)
                                                .map(s -> s.role() == Role.LEADER)
                                                .orElse(false))
                        .count();
        return "groups=%d leading=%d quiesced=%d".formatted(hosted.size(), leading, quiesced);
    }

    /** What the write-ahead log has done so far. Any thread. */
    public WriteAheadLog.Stats walStats() {
        return wal.stats();
    }

    /** Frames this node has sent to peers and clients so far. Any thread. */
    public long framesSent() {
        return endpoint.framesSent();
    }

    /** Frames this node has received so far. Any thread. */
    public long framesReceived() {
        return endpoint.framesReceived();
    }

    /** Frames sent, dropped and received by this node's endpoint so far. */
    public String networkStats() {
        String peers = onLoop(endpoint::describePeers).join();
        return "sent=%d dropped=%d received=%d rejected=%d %s"
                .formatted(
                        endpoint.framesSent(),
                        endpoint.framesDropped(),
                        endpoint.framesReceived(),
                        endpoint.connectionsRejected(),
                        peers);
    }

    private <T> CompletableFuture<T> onLoop(Supplier<T> action) {
        return CompletableFuture.supplyAsync(action, endpoint.loop());
    }

    private CompletableFuture<Void> onLoop(Runnable action) {
        return CompletableFuture.runAsync(action, endpoint.loop());
    }

    // ---------------------------------------------------------------- raft traffic

    /** The host's transport: the round's envelopes for one node, in frames of bounded size. */
    private void sendRaft(NodeId to, List<Envelope> envelopes) {
        List<Envelope> frame = new ArrayList<>();
        long frameBytes = 0;
        for (Envelope envelope : envelopes) {
            long bytes = envelope.message().sizeBytes();
            if (!frame.isEmpty() && frameBytes + bytes > FRAME_SPLIT_BYTES) {
                endpoint.send(to, new RaftFrame(config.id(), frame));
                frame = new ArrayList<>();
                frameBytes = 0;
            }
            frame.add(envelope);
            frameBytes += bytes;
        }
        if (!frame.isEmpty() || envelopes.isEmpty()) {
            endpoint.send(to, new RaftFrame(config.id(), frame));
        }
    }

    /**
     * Handles one decoded frame. A frame the node cannot use is logged and dropped; anything thrown
     * while handling it is a fault of this node's own, so the node stops (the endpoint would only
     * close the connection).
     */
    private void onFrame(NettyEndpoint.Connection connection, Object frame) {
        try {
            dispatch(connection, frame);
        } catch (Throwable cause) {
            config.failStop()
                    .stop(
                            "%s handling a %s from %s"
                                    .formatted(
                                            config.id(),
                                            frame.getClass().getSimpleName(),
                                            connection.remoteAddress()),
                            cause);
            throw cause;
        }
    }

    private void dispatch(NettyEndpoint.Connection connection, Object frame) {
        switch (frame) {
            case RaftFrame raft -> receiveRaft(connection, raft);
            case ClientRequest request -> handleClient(connection, request);
            default ->
                    LOG.log(
                            Level.WARNING,
                            "ignoring an unexpected {0} from {1}",
                            frame.getClass().getSimpleName(),
                            connection.remoteAddress());
        }
    }

    /**
     * Hands a peer's Raft messages to the host. Only the node a frame names as its sender may send
     * it, over a connection whose handshake named that node; anything else closes the connection.
     */
    private void receiveRaft(NettyEndpoint.Connection connection, RaftFrame raft) {
        if (!(connection.origin() instanceof Origin.Peer peer)
                || !peer.node().equals(raft.from())) {
            connection.refuse(
                    "Raft messages from %s are accepted only from node %s itself, not from %s"
                            .formatted(raft.from(), raft.from(), connection.origin()));
            return;
        }
        host.receive(raft.from(), fromSenderToMe(raft.from(), raft.envelopes()));
    }

    /**
     * Drops envelopes for another node or from another sender: the core treats a misaddressed
     * message as a bug, and a peer speaks only for itself.
     */
    private List<Envelope> fromSenderToMe(NodeId sender, List<Envelope> envelopes) {
        return envelopes.stream()
                .filter(envelope -> envelope.message().to().equals(config.id()))
                .filter(envelope -> envelope.message().from().equals(sender))
                .toList();
    }

    // ---------------------------------------------------------------- clients

    private void handleClient(NettyEndpoint.Connection connection, ClientRequest request) {
        ClientService.serve(
                host,
                stateMachines.get(request.group()),
                request,
                connection.origin(),
                connection::reply);
    }

    /** Stops serving and closes the log after the writes already handed to it. */
    @Override
    public void close() throws IOException {
        endpoint.close();
        wal.close();
    }
}
