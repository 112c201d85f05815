package io.raftkv.raft.scenario;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.core.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * N replicas of one group wired by a hand-driven network: nothing happens unless the script says
 * so. Messages a Ready sends wait in flight, in send order, until a script delivers or drops them;
 * a message from or to an isolated node is dropped when delivered.
 *
 * <p>Every observable event is appended to {@link #transcript()} as one line: messages sent,
 * delivered and dropped, role, term and leader changes, persisted state, applied entries and read
 * states. Single-threaded; each node's seed is its id, so a run is a function of the script.
 */
final class ScenarioCluster {
    /** Bounds {@link #stabilize} and {@link #tickElection}: a livelock fails, never hangs. */
    private static final int ROUNDS_MAX = 1_000;

    private final TreeMap<NodeId, ScenarioHost> hosts = new TreeMap<>();
    private final List<Message> inFlight = new ArrayList<>();
    private final List<String> transcript = new ArrayList<>();

    /** What a script sees of a replica's role; a change of it is a transcript line. */
    private record View(Role role, long term, Optional<NodeId> leader) {
        @Override
        public String toString() {
            String followed =
                    role == Role.LEADER ? "" : leader.map(id -> " leader=" + id).orElse("");
            return ScenarioFormat.role(role) + " t" + term + followed;
        }
    }

    ScenarioCluster(int nodeCount, RaftOptions options) {
        Check.argument(nodeCount >= 1, "a cluster needs a node");
        NodeId[] voters = new NodeId[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            voters[i] = NodeId.of(i + 1);
        }
        Membership membership = Membership.of(voters);
        for (NodeId id : voters) {
            hosts.put(id, new ScenarioHost(id, membership, options, id.value()));
        }
    }

    List<String> transcript() {
        return transcript;
    }

    List<NodeId> nodes() {
        return List.copyOf(hosts.keySet());
    }

    // ---------------------------------------------------------------- time

    /** Ticks each of {@code nodes} {@code ticks} times, round by round. */
    void tick(List<NodeId> nodes, int ticks) {
        for (int round = 1; round <= ticks; round++) {
            for (NodeId node : nodes) {
                observe(node, "", " (tick " + round + ")", () -> tickOnce(node));
            }
        }
    }

    /**
     * Ticks {@code nodes} (none of them leading) round by round until the election timer of at
     * least one fires and it starts a round of votes. Timeouts are random, so scripts wait for an
     * election this way instead of counting ticks.
     */
    void tickElection(List<NodeId> nodes) {
        TreeMap<NodeId, View> before = new TreeMap<>();
        for (NodeId node : nodes) {
            RaftReplica replica = replica(node);
            Check.argument(
                    replica.role() != Role.LEADER, "%s leads; it has no election timer", node);
            Check.argument(!replica.hasReady(), "%s has a Ready to process first", node);
            before.put(node, view(node));
        }
        for (int round = 1; round <= ROUNDS_MAX; round++) {
            nodes.forEach(node -> replica(node).tick());
            List<NodeId> fired =
                    nodes.stream()
                            .filter(
                                    node ->
                                            replica(node).hasReady()
                                                    || !view(node).equals(before.get(node)))
                            .toList();
            for (NodeId node : fired) {
                transcript.add(
                        "%s %s -> %s (tick %d, election timeout)"
                                .formatted(node, before.get(node), view(node), round));
            }
            if (!fired.isEmpty()) {
                return;
            }
        }
        throw new IllegalStateException(nodes + " never campaigned");
    }

    // ---------------------------------------------------------------- client calls

    void propose(NodeId node, String command) {
        byte[] bytes = command.getBytes(StandardCharsets.UTF_8);
        ProposeResult result = observe(node, "", "", () -> replica(node).propose(bytes));
        String answer =
                switch (result) {
                    case ProposeResult.Accepted accepted ->
                            "accepted at %d/%d".formatted(accepted.index(), accepted.term());
                    case ProposeResult.TooLarge tooLarge ->
                            "rejected, too large: " + tooLarge.reason();
                    case Rejection rejection -> rejection(rejection);
                };
        transcript.add("%s propose \"%s\": %s".formatted(node, command, answer));
    }

    void read(NodeId node, long requestId) {
        String answer =
                switch (replica(node).readIndex(requestId)) {
                    case ReadResult.Queued queued -> "queued";
                    case Rejection rejection -> rejection(rejection);
                };
        transcript.add("%s read id=%d: %s".formatted(node, requestId, answer));
    }

    void transfer(NodeId node, NodeId target) {
        boolean started = replica(node).transferLeadership(target);
        transcript.add(
                "%s transfer leadership to %s: %s"
                        .formatted(node, target, started ? "started" : "refused"));
    }

    void compact(NodeId node, long index) {
        Snapshot taken = host(node).compact(index);
        transcript.add(node + " compact, snapshot " + ScenarioFormat.snapshot(taken));
    }

    private static String rejection(Rejection rejection) {
        return switch (rejection) {
            case Rejection.NotLeader notLeader ->
                    "rejected, not leader (hint "
                            + notLeader.hint().map(Object::toString).orElse("none")
                            + ")";
            case Rejection.Overloaded overloaded -> "rejected, overloaded: " + overloaded.reason();
        };
    }

    // ---------------------------------------------------------------- network

    void isolate(NodeId node) {
        host(node).isolated(true);
        transcript.add(node + " isolated");
    }

    void heal(NodeId node) {
        host(node).isolated(false);
        transcript.add(node + " healed");
    }

    /** Handles the Ready of each of {@code nodes} that has one, in id order. */
    void processReady(List<NodeId> nodes) {
        for (NodeId node : nodes) {
            host(node).processReady(transcript, inFlight::add);
        }
    }

    /**
     * Delivers the messages in flight that match {@code filter}, in send order. Messages the
     * deliveries cause stay in their sender until its next Ready, so one call is one hop.
     */
    int deliver(Predicate<Message> filter) {
        List<Message> batch = take(filter);
        for (Message message : batch) {
            if (host(message.from()).isolated() || host(message.to()).isolated()) {
                transcript.add("drop " + ScenarioFormat.message(message) + " (isolated)");
                continue;
            }
            transcript.add("deliver " + ScenarioFormat.message(message));
            observe(message.to(), "  ", "", () -> stepOnce(message));
        }
        return batch.size();
    }

    void drop(Predicate<Message> filter) {
        for (Message message : take(filter)) {
            transcript.add("drop " + ScenarioFormat.message(message));
        }
    }

    /**
     * Processes Readys and delivers messages among {@code nodes} until none of them has anything
     * left to do. Messages to or from other nodes stay in flight.
     */
    void stabilize(List<NodeId> nodes) {
        Predicate<Message> among =
                message -> nodes.contains(message.from()) && nodes.contains(message.to());
        for (int round = 0; round < ROUNDS_MAX; round++) {
            processReady(nodes);
            if (deliver(among) == 0 && nodes.stream().noneMatch(node -> replica(node).hasReady())) {
                return;
            }
        }
        throw new IllegalStateException("no quiet state after " + ROUNDS_MAX + " rounds");
    }

    private List<Message> take(Predicate<Message> filter) {
        List<Message> taken = new ArrayList<>();
        for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
            Message message = it.next();
            if (filter.test(message)) {
                taken.add(message);
                it.remove();
            }
        }
        return taken;
    }

    // ---------------------------------------------------------------- inspection

    void status() {
        for (ScenarioHost host : hosts.values()) {
            RaftStatus status = host.replica().status();
            transcript.add(
                    "%s %s commit=%d applied=%d last=%d snapshot=%d%s"
                            .formatted(
                                    status.id(),
                                    view(status.id()),
                                    status.commitIndex(),
                                    status.appliedIndex(),
                                    status.lastIndex(),
                                    status.snapshotIndex(),
                                    host.isolated() ? " (isolated)" : ""));
        }
    }

    void describeStorage(NodeId node) {
        transcript.addAll(host(node).describe());
    }

    void describeInFlight() {
        if (inFlight.isEmpty()) {
            transcript.add("no messages in flight");
        }
        inFlight.forEach(message -> transcript.add("in flight " + ScenarioFormat.message(message)));
    }

    // ---------------------------------------------------------------- helpers

    /** Runs {@code action} on {@code node} and records how its role, term or leader changed. */
    private <T> T observe(NodeId node, String indent, String suffix, Supplier<T> action) {
        View before = view(node);
        T result = action.get();
        View after = view(node);
        if (!after.equals(before)) {
            transcript.add(indent + node + " " + before + " -> " + after + suffix);
        }
        return result;
    }

    private Void tickOnce(NodeId node) {
        replica(node).tick();
        return null;
    }

    private Void stepOnce(Message message) {
        replica(message.to()).step(message);
        return null;
    }

    private View view(NodeId node) {
        RaftReplica replica = replica(node);
        return new View(replica.role(), replica.term(), replica.leader());
    }

    private ScenarioHost host(NodeId node) {
        ScenarioHost host = hosts.get(node);
        Check.argument(host != null, "no node %s in this cluster", node);
        return host;
    }

    private RaftReplica replica(NodeId node) {
        return host(node).replica();
    }
}
