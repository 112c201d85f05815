package io.raftkv.raft.sim;

import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.host.Envelope;
import io.raftkv.raft.host.Transport;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated network between nodes. Each envelope suffers its own delay, loss and duplication;
 * reordering follows from the random delays. Connectivity follows labrpc: a node can be
 * disconnected from everyone, and nodes can be split into partitions; an envelope is delivered only
 * if its link is up both when it is sent and when it arrives.
 *
 * <p>Counts the requests delivered to each node and the bytes sent, for the lab's RPC-count and
 * byte-count bounds (a request and its reply count as one RPC, as in labrpc).
 */
public final class SimNetwork {
    private final SimScheduler scheduler;
    private final SplittableRandom random;
    private final TraceHash trace;
    private final Delivery deliver;
    private final Set<NodeId> disconnected = new HashSet<>();
    private final Map<NodeId, Integer> partitionOf = new TreeMap<>();
    private final Set<List<NodeId>> blockedLinks = new HashSet<>();
    private final TreeMap<NodeId, Long> requestsDelivered = new TreeMap<>();
    private NetworkFaults faults = NetworkFaults.RELIABLE;
    private long bytesSent;

    SimNetwork(SimScheduler scheduler, SplittableRandom random, TraceHash trace, Delivery deliver) {
        this.scheduler = scheduler;
        this.random = random;
        this.trace = trace;
        this.deliver = deliver;
    }

    /** Hands what arrives to the receiving node's host. */
    @FunctionalInterface
    interface Delivery {
        void deliver(NodeId from, NodeId to, List<Envelope> envelopes);
    }

    public void faults(NetworkFaults faults) {
        this.faults = faults;
    }

    public NetworkFaults faults() {
        return faults;
    }

    /** A transport for {@code node}'s host. */
    Transport transportFor(NodeId node) {
        return (to, envelopes) -> {
            if (envelopes.isEmpty()) {
                sendNodeHeartbeat(node, to);
            }
            for (Envelope envelope : envelopes) {
                send(node, to, envelope);
            }
        };
    }

    /** A node heartbeat: subject to links and delays like requests, but not an RPC. */
    private void sendNodeHeartbeat(NodeId from, NodeId to) {
        if (!linkUp(from, to)
                || (faults.requestDropRate() > 0
                        && random.nextDouble() < faults.requestDropRate())) {
            return;
        }
        long delay = random.nextLong(faults.delayMinMillis(), faults.delayMaxMillis() + 1);
        scheduler.schedule(
                delay,
                () -> {
                    if (linkUp(from, to)) {
                        deliver.deliver(from, to, List.of());
                    }
                });
    }

    private void send(NodeId from, NodeId to, Envelope envelope) {
        bytesSent += sizeBytes(envelope.message());
        if (!linkUp(from, to)) {
            return;
        }
        boolean request = envelope.message().isRequest();
        double dropRate = request ? faults.requestDropRate() : faults.replyDropRate();
        if (dropRate > 0 && random.nextDouble() < dropRate) {
            return;
        }
        scheduleDelivery(from, to, envelope, request);
        if (faults.duplicateRate() > 0 && random.nextDouble() < faults.duplicateRate()) {
            scheduleDelivery(from, to, envelope, request);
        }
    }

    private void scheduleDelivery(NodeId from, NodeId to, Envelope envelope, boolean request) {
        long delay = random.nextLong(faults.delayMinMillis(), faults.delayMaxMillis() + 1);
        if (faults.longReordering() && !request && random.nextInt(900) < 600) {
            delay = 200 + random.nextInt(1 + random.nextInt(2000));
        }
        scheduler.schedule(
                delay,
                () -> {
                    if (!linkUp(from, to)) {
                        return;
                    }
                    if (request) {
                        requestsDelivered.merge(to, 1L, Long::sum);
                    }
                    trace.add(scheduler.nowMillis(), to.value(), envelope.toString().hashCode());
                    deliver.deliver(from, to, List.of(envelope));
                });
    }

    /** Whether messages from {@code from} reach {@code to} right now. */
    public boolean linkUp(NodeId from, NodeId to) {
        return !disconnected.contains(from)
                && !disconnected.contains(to)
                && partitionOf.getOrDefault(from, 0).equals(partitionOf.getOrDefault(to, 0))
                && !blockedLinks.contains(List.of(from, to));
    }

    /** Cuts {@code node} off from every other node (labrpc's disconnect). */
    public void disconnect(NodeId node) {
        disconnected.add(node);
    }

    /** Undoes {@link #disconnect}. */
    public void connect(NodeId node) {
        disconnected.remove(node);
    }

    public boolean isConnected(NodeId node) {
        return !disconnected.contains(node);
    }

    /** Splits nodes into sides; nodes on different sides cannot talk. Unlisted nodes: side 0. */
    public void partition(List<List<NodeId>> sides) {
        partitionOf.clear();
        for (int side = 0; side < sides.size(); side++) {
            for (NodeId node : sides.get(side)) {
                partitionOf.put(node, side + 1);
            }
        }
    }

    /** Removes every partition. */
    public void heal() {
        partitionOf.clear();
        blockedLinks.clear();
    }

    /** Blocks the one-way link {@code from -> to}: asymmetric faults. */
    public void blockLink(NodeId from, NodeId to) {
        blockedLinks.add(List.of(from, to));
    }

    /** Requests delivered to {@code node} so far (labrpc's GetCount). */
    public long requestsDelivered(NodeId node) {
        return requestsDelivered.getOrDefault(node, 0L);
    }

    public long requestsDeliveredTotal() {
        return requestsDelivered.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bytes sent (labrpc's GetTotalBytes counts requests and delivered replies). */
    public long bytesSent() {
        return bytesSent;
    }

    static long sizeBytes(Message message) {
        long bytes = 32;
        if (message instanceof Message.AppendEntries append) {
            for (Entry entry : append.entries()) {
                bytes += entry.sizeBytes();
            }
        } else if (message instanceof Message.InstallSnapshot install) {
            bytes += install.chunk().length;
        }
        return bytes;
    }
}
