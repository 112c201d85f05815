package io.raftkv.it;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.raft.node.ValueSetStateMachine;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A client of the node processes that finds each group's leader by asking: it keeps a guess per
 * group, follows a {@code NotLeader} hint, and otherwise tries the next node. Thread-safe.
 */
final class ClusterClient implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(2);
    private static final int TRAIL_MAX = 12;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final Duration SILENCE_REMEMBERED = Duration.ofSeconds(1);
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** A linearizable read's values and the node that served it, the group's leader then. */
    record Read(NodeId leader, TreeSet<Long> values) {}

    private final List<NodeId> nodes;
    private final RaftClient client;
    private final AtomicLong requestIds = new AtomicLong();
    private final ConcurrentHashMap<GroupId, NodeId> leaderGuesses = new ConcurrentHashMap<>();

    /** Nodes that did not reply in time, until when they are tried only if all others are. */
    private final ConcurrentHashMap<NodeId, Long> silentUntilNanos = new ConcurrentHashMap<>();

    ClusterClient(Map<NodeId, InetSocketAddress> members) {
        this.nodes = List.copyOf(members.keySet());
        this.client = new RaftClient(members, REPLY_TIMEOUT);
    }

    /**
     * Proposes {@code value} once, to the node believed to lead {@code group}; empty if no reply
     * came in time. Pauses briefly before returning an answer that names no leader to try next.
     */
    Optional<ClientReply> proposeOnce(GroupId group, long value) {
        return propose(guess(group), group, value);
    }

    /** Proposes {@code value} until it is applied (a set makes retrying harmless). */
    ClientReply.Applied write(GroupId group, long value) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        ArrayDeque<String> trail = new ArrayDeque<>();
        while (true) {
            NodeId node = guess(group);
            Optional<ClientReply> reply = propose(node, group, value);
            if (reply.orElse(null) instanceof ClientReply.Applied applied) {
                return applied;
            }
            note(trail, node, reply);
            checkDeadline(deadline, "a write of %d to %s".formatted(value, group), trail);
        }
    }

    /** Reads {@code group}'s values linearizably through whichever node leads it. */
    Read read(GroupId group) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        ArrayDeque<String> trail = new ArrayDeque<>();
        while (true) {
            NodeId node = guess(group);
            Optional<ClientReply> reply =
                    ask(node, new ClientRequest.Read(requestIds.incrementAndGet(), group));
            if (reply.orElse(null) instanceof ClientReply.Value value) {
                return new Read(node, ValueSetStateMachine.decode(value.value()));
            }
            note(trail, node, reply);
            checkDeadline(deadline, "a read of " + group, trail);
        }
    }

    private Optional<ClientReply> propose(NodeId node, GroupId group, long value) {
        byte[] command = ValueSetStateMachine.command(value);
        return ask(node, new ClientRequest.Propose(requestIds.incrementAndGet(), group, command));
    }

    /**
     * Sends {@code request} to {@code node} and updates the group's leader guess from the reply.
     */
    private Optional<ClientReply> ask(NodeId node, ClientRequest request) {
        Optional<ClientReply> reply = send(node, request);
        if (reply.isPresent()) {
            silentUntilNanos.remove(node);
        } else {
            silentUntilNanos.put(node, System.nanoTime() + SILENCE_REMEMBERED.toNanos());
        }
        Optional<NodeId> leader = reply.flatMap(answer -> leaderNamedBy(node, answer));
        leaderGuesses.put(request.group(), leader.orElseGet(() -> successor(node)));
        if (leader.isEmpty()) {
            LockSupport.parkNanos(RETRY_PAUSE_NANOS);
        }
        return reply;
    }

    /**
     * The group's believed leader, or the next node after it if it was recently silent (as a killed
     * process is): without this, every group whose guess is a dead node would cost a reply timeout.
     */
    private NodeId guess(GroupId group) {
        NodeId node = leaderGuesses.getOrDefault(group, nodes.getFirst());
        for (int tried = 1; tried < nodes.size() && isSilent(node); tried++) {
            node = successor(node);
        }
        return node;
    }

    private boolean isSilent(NodeId node) {
        Long until = silentUntilNanos.get(node);
        return until != null && System.nanoTime() - until < 0;
    }

    /** The leader that {@code reply} from {@code node} points at, if any. */
    private static Optional<NodeId> leaderNamedBy(NodeId node, ClientReply reply) {
        int hint =
                switch (reply) {
                    case ClientReply.Applied ignored -> node.value();
                    case ClientReply.Value ignored -> node.value();
                    case ClientReply.NotLeader notLeader -> notLeader.leaderHint();
                    case ClientReply.Unknown unknown -> unknown.leaderHint();
                    case ClientReply.Overloaded ignored -> 0;
                    case ClientReply.Invalid invalid ->
                            throw new AssertionError(
                                    "the test sent an invalid request: " + invalid);
                    case ClientReply.Forbidden forbidden ->
                            throw new AssertionError(
                                    "the test sent a forbidden request: " + forbidden);
                    case ClientReply.TooLarge tooLarge ->
                            throw new AssertionError(
                                    "the test sent a request too large: " + tooLarge);
                };
        return hint > 0 ? Optional.of(NodeId.of(hint)) : Optional.empty();
    }

    private NodeId successor(NodeId node) {
        return nodes.get((nodes.indexOf(node) + 1) % nodes.size());
    }

    private Optional<ClientReply> send(NodeId node, ClientRequest request) {
        try {
            long waitMillis = REPLY_TIMEOUT.toMillis() + 1_000;
            return Optional.of(client.send(node, request).get(waitMillis, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException noReply) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + node, e);
        }
    }

    /** Keeps the last few answers of a retry loop for its failure message. */
    private static void note(ArrayDeque<String> trail, NodeId node, Optional<ClientReply> reply) {
        if (trail.size() == TRAIL_MAX) {
            trail.removeFirst();
        }
        String answer = reply.map(Object::toString).orElse("no reply within " + REPLY_TIMEOUT);
        trail.addLast("%s %s: %s".formatted(TIME.format(LocalTime.now()), node, answer));
    }

    private static void checkDeadline(long deadline, String what, ArrayDeque<String> trail) {
        if (System.nanoTime() > deadline) {
            throw new AssertionError(
                    "waited %s for %s; the last answers:%n  %s"
                            .formatted(PATIENCE, what, String.join("\n  ", trail)));
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
