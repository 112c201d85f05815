package io.raftkv.shardctrler.client;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Talks to the controller group: sends each command to the node it believes leads, moves on to the
 * next controller on NotLeader or silence, and retries a command with the same sequence number
 * until it is applied (the controller applies it once); an overloaded leader is asked again after a
 * pause. Gives up with {@link ControllerUnavailableException} after the deadline, and at once with
 * {@link IllegalArgumentException} for a command too large for the controller group. Thread-safe;
 * one operation at a time per client (operations are serialized).
 */
public final class ControllerClient implements AutoCloseable {
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(1_500);
    private static final long BACKOFF_MILLIS_MAX = 200;

    private final List<NodeId> controllers;
    private final RaftClient client;
    private final Duration deadline;
    private final long clientId = new SecureRandom().nextLong() & Long.MAX_VALUE;
    private final AtomicLong requestIds = new AtomicLong();
    private long sequence;
    private int leaderIndex;

    /** A client without TLS: see the other constructor. */
    public ControllerClient(List<InetSocketAddress> addresses, Duration deadline) {
        this(addresses, deadline, EndpointIdentity.client());
    }

    /**
     * @param addresses the controller nodes' client addresses, in any order
     * @param deadline how long one operation may take before it fails
     * @param identity how it dials: TLS, and a client certificate for admin operations
     */
    public ControllerClient(
            List<InetSocketAddress> addresses, Duration deadline, EndpointIdentity identity) {
        Check.argument(!addresses.isEmpty(), "at least one controller address is needed");
        Map<NodeId, InetSocketAddress> byId = new TreeMap<>();
        for (int i = 0; i < addresses.size(); i++) {
            byId.put(NodeId.of(i + 1), addresses.get(i)); // ids local to this client
        }
        this.controllers = List.copyOf(byId.keySet());
        this.client = new RaftClient(byId, ATTEMPT_TIMEOUT, identity);
        this.deadline = deadline;
    }

    public synchronized ControllerResult join(SortedMap<GroupId, List<Member>> groups)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.Join(clientId, ++sequence, groups));
    }

    public synchronized ControllerResult leave(List<GroupId> groups)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.Leave(clientId, ++sequence, groups));
    }

    public synchronized ControllerResult move(int shard, GroupId group)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.Move(clientId, ++sequence, shard, group));
    }

    /** Adds {@code member} to {@code group}'s members in a new config (shards stay put). */
    public synchronized ControllerResult addReplica(GroupId group, Member member)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.AddReplica(clientId, ++sequence, group, member));
    }

    /** Removes {@code node} from {@code group}'s members in a new config; the pair is retired. */
    public synchronized ControllerResult removeReplica(GroupId group, NodeId node)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.RemoveReplica(clientId, ++sequence, group, node));
    }

    /** Replaces {@code old} by {@code replacement} among {@code group}'s members, in one config. */
    public synchronized ControllerResult replaceReplica(
            GroupId group, NodeId old, Member replacement) throws ControllerUnavailableException {
        return submit(
                new ControllerCommand.ReplaceReplica(
                        clientId, ++sequence, group, old, replacement));
    }

    /** Moves every replica on {@code node} to other nodes of the latest config, in one config. */
    public synchronized ControllerResult drain(NodeId node) throws ControllerUnavailableException {
        return submit(new ControllerCommand.Drain(clientId, ++sequence, node));
    }

    /**
     * Unsafe recovery of {@code group}, which lost its quorum for good: in a new config {@code
     * survivor} becomes its only member and every other node that ever served it is fenced for
     * good. Writes the lost quorum acknowledged but {@code survivor} never received are lost.
     */
    public synchronized ControllerResult unsafeRecover(GroupId group, NodeId survivor)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.UnsafeRecover(clientId, ++sequence, group, survivor));
    }

    /**
     * Claims {@code node}'s replica of {@code group} for the data directory with {@code
     * incarnation}: {@link ControllerResult.Claimed} or a refusal. Only a node may send it, so this
     * client must dial with a node's identity ({@link EndpointIdentity#node}); any other is
     * answered {@link Reason#FORBIDDEN}.
     */
    public synchronized ControllerResult claim(GroupId group, NodeId node, long incarnation)
            throws ControllerUnavailableException {
        return submit(new ControllerCommand.Claim(clientId, ++sequence, group, node, incarnation));
    }

    /** Config {@code number} (-1: the latest), read linearizably. */
    public synchronized ShardConfig query(long number) throws ControllerUnavailableException {
        byte[] query = ControllerCodec.encodeQuery(number);
        ControllerResult result =
                retryUntilDeadline(
                        "query config " + number,
                        false,
                        reply ->
                                reply instanceof ClientReply.Value value
                                        ? ControllerCodec.decodeResult(value.value())
                                        : null,
                        requestId -> new ClientRequest.Read(requestId, GroupId.CONTROLLER, query));
        Check.that(result instanceof ControllerResult.Config, "a query answered %s", result);
        return ((ControllerResult.Config) result).config();
    }

    private ControllerResult submit(ControllerCommand command)
            throws ControllerUnavailableException {
        byte[] bytes = ControllerCodec.encode(command);
        return retryUntilDeadline(
                command.getClass().getSimpleName().toLowerCase(),
                true,
                reply ->
                        switch (reply) {
                            case ClientReply.Applied applied ->
                                    ControllerCodec.decodeResult(applied.result());
                            case ClientReply.Forbidden forbidden ->
                                    new ControllerResult.Rejected(
                                            Reason.FORBIDDEN, forbidden.reason());
                            case ClientReply.Invalid invalid ->
                                    new ControllerResult.Rejected(
                                            Reason.MALFORMED, invalid.reason());
                            // Retried: the session makes a second apply of the same command a
                            // no-op.
                            case ClientReply.NotLeader notLeader -> null;
                            case ClientReply.Unknown unknown -> null;
                            case ClientReply.Overloaded overloaded -> null;
                            case ClientReply.Value value -> null;
                            case ClientReply.TooLarge tooLarge -> null; // thrown below
                        },
                requestId -> new ClientRequest.Propose(requestId, GroupId.CONTROLLER, bytes));
    }

    @FunctionalInterface
    private interface Answer {
        /** The result in {@code reply}, or null to try again. */
        ControllerResult of(ClientReply reply);
    }

    @FunctionalInterface
    private interface RequestMaker {
        ClientRequest make(long requestId);
    }

    /**
     * Sends {@code request} until {@code answer} finds a result in a reply or the deadline passes;
     * {@code command} says whether the request changes state, so that a deadline leaves its outcome
     * unknown.
     */
    private ControllerResult retryUntilDeadline(
            String what, boolean command, Answer answer, RequestMaker request)
            throws ControllerUnavailableException {
        long end = System.nanoTime() + deadline.toNanos();
        long backoff = 10;
        String lastProblem = "no controller answered";
        while (System.nanoTime() < end) {
            NodeId target = controllers.get(leaderIndex);
            ClientReply reply = ask(target, request.make(requestIds.incrementAndGet()));
            ControllerResult result = reply == null ? null : answer.of(reply);
            if (result != null) {
                return result;
            }
            if (reply instanceof ClientReply.TooLarge tooLarge) {
                throw new IllegalArgumentException(what + ": " + tooLarge.reason());
            }
            if (reply instanceof ClientReply.Overloaded overloaded) {
                lastProblem =
                        "controller %s is overloaded (%s)".formatted(target, overloaded.reason());
            } else {
                lastProblem =
                        reply == null
                                ? "controller " + target + " did not answer"
                                : "controller answered " + reply.getClass().getSimpleName();
                // NB: hints name node ids this client cannot map to addresses; try the next.
                leaderIndex = (leaderIndex + 1) % controllers.size();
            }
            pause(backoff);
            backoff = Math.min(BACKOFF_MILLIS_MAX, backoff * 2);
        }
        throw new ControllerUnavailableException(
                "%s: no controller completed it within %s (%s)"
                        .formatted(what, deadline, lastProblem),
                command);
    }

    private ClientReply ask(NodeId target, ClientRequest request) {
        try {
            return client.send(target, request)
                    .get(ATTEMPT_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
