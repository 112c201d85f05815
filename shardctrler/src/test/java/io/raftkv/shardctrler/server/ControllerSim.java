package io.raftkv.shardctrler.server;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.host.ReadOutcome;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * A controller group on simulated nodes (the lab's shardctrler tester on virtual time), with clerks
 * that retry like the real client: same client id and sequence on every retry, a new leader on
 * NotLeader or an unknown outcome.
 */
final class ControllerSim {
    static final GroupId CONTROLLER = GroupId.CONTROLLER;
    static final int SHARDS = 10;

    private final Simulation sim;
    private final List<NodeId> nodes = new ArrayList<>();
    private long nextClientId;

    ControllerSim(int servers, long seed, HostOptions options) {
        this(servers, seed, options, ControllerStateMachine.SESSIONS_MAX);
    }

    /** A cluster whose state machines keep at most {@code sessionsMax} client sessions. */
    ControllerSim(int servers, long seed, HostOptions options, int sessionsMax) {
        sim =
                new Simulation(
                        seed,
                        options,
                        (node, group, ledger) ->
                                new ControllerStateMachine(SHARDS, List.of(), sessionsMax));
        for (int i = 1; i <= servers; i++) {
            NodeId node = NodeId.of(i);
            nodes.add(node);
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(CONTROLLER, new Membership(nodes));
    }

    ControllerSim(int servers, long seed) {
        this(servers, seed, HostOptions.defaults());
    }

    Simulation sim() {
        return sim;
    }

    List<NodeId> nodes() {
        return nodes;
    }

    Clerk clerk() {
        return new Clerk(++nextClientId);
    }

    Optional<NodeId> leader() {
        return sim.leaderOf(CONTROLLER);
    }

    /** The controller state machine of {@code node} (live, or as it was when it went down). */
    ControllerStateMachine stateMachine(NodeId node) {
        return (ControllerStateMachine) sim.node(node).stateMachine(CONTROLLER).orElseThrow();
    }

    static SortedMap<GroupId, List<Member>> groups(int... ids) {
        SortedMap<GroupId, List<Member>> groups = new TreeMap<>();
        for (int id : ids) {
            groups.put(GroupId.of(id), members(id));
        }
        return groups;
    }

    static List<Member> members(int group) {
        return List.of(member(group, 1), member(group, 2), member(group, 3));
    }

    /**
     * The {@code k}th (1 to 9) of the ten nodes that may serve {@code group}: node {@code 10 *
     * group + k}; the first three join with the group.
     */
    static Member member(int group, int k) {
        return new Member(
                NodeId.of(group * 10 + k), "server-%d-%c:7000".formatted(group, 'a' + k - 1));
    }

    /**
     * Runs each clerk's commands in order while the clerks run at the same time (their commands
     * interleave in the log), as the lab's concurrent tests do with goroutines. Each command is
     * retried with its sequence number until applied. Fails after 60 s of virtual time.
     */
    void concurrently(List<Clerk> clerks, List<List<LongFunction<ControllerCommand>>> scripts) {
        int[] next = new int[clerks.size()];
        for (int i = 0; i < clerks.size(); i++) {
            clerks.get(i).start(scripts.get(i).get(next[i]++));
        }
        long deadline = sim.nowMillis() + 60_000;
        boolean running = true;
        while (running) {
            if (sim.nowMillis() > deadline) {
                throw new AssertionError("concurrent clerks did not finish in 60 s");
            }
            sim.runFor(10);
            running = false;
            for (int i = 0; i < clerks.size(); i++) {
                Clerk clerk = clerks.get(i);
                if (clerk.inFlight == null) {
                    continue;
                }
                running = true;
                if (clerk.answer instanceof ProposalOutcome.Applied) {
                    clerk.inFlight = null;
                    if (next[i] < scripts.get(i).size()) {
                        clerk.start(scripts.get(i).get(next[i]++));
                    }
                } else if (clerk.answer != null || sim.nowMillis() - clerk.sentAtMillis > 2_000) {
                    clerk.retry(); // rejected, unknown, or lost with a crashed leader
                }
            }
        }
    }

    /** One client. Each operation drives virtual time until it completes (or fails the test). */
    final class Clerk {
        private final long clientId;
        private long sequence;

        /** The command under way in {@link ControllerSim#concurrently}, and its answer. */
        private byte[] inFlight;

        private Object answer;
        private long sentAtMillis;

        Clerk(long clientId) {
            this.clientId = clientId;
        }

        ControllerResult join(SortedMap<GroupId, List<Member>> groups) {
            return run(seq -> new ControllerCommand.Join(clientId, seq, groups));
        }

        ControllerResult leave(int... groups) {
            List<GroupId> ids = new ArrayList<>();
            for (int group : groups) {
                ids.add(GroupId.of(group));
            }
            return run(seq -> new ControllerCommand.Leave(clientId, seq, ids));
        }

        ControllerResult move(int shard, int group) {
            return run(seq -> new ControllerCommand.Move(clientId, seq, shard, GroupId.of(group)));
        }

        ControllerResult run(LongFunction<ControllerCommand> command) {
            return submit(command.apply(++sequence), 30_000)
                    .orElseThrow(
                            () ->
                                    new AssertionError(
                                            "client %d: no answer to a command in 30 s"
                                                    .formatted(clientId)));
        }

        /** A new command with this clerk's next sequence number. */
        ControllerCommand next(LongFunction<ControllerCommand> command) {
            return command.apply(++sequence);
        }

        /**
         * Sends {@code command} (retrying with its own sequence number) until it is applied or
         * {@code timeoutMillis} pass; empty if it timed out, and then it may or may not apply.
         */
        Optional<ControllerResult> submit(ControllerCommand command, long timeoutMillis) {
            byte[] bytes = ControllerCodec.encode(command);
            long deadline = sim.nowMillis() + timeoutMillis;
            while (sim.nowMillis() < deadline) {
                Optional<byte[]> result = attempt(bytes);
                if (result.isPresent()) {
                    return Optional.of(ControllerCodec.decodeResult(result.get()));
                }
                sim.runFor(20);
            }
            return Optional.empty();
        }

        /** One try through the current leader; empty if it did not apply (retry). */
        private Optional<byte[]> attempt(byte[] bytes) {
            Optional<NodeId> leader = leader();
            if (leader.isEmpty()) {
                return Optional.empty();
            }
            Object[] answer = new Object[1];
            GroupHost host = sim.node(leader.get()).host();
            if (!(host.propose(CONTROLLER, bytes, outcome -> answer[0] = outcome)
                    instanceof io.raftkv.raft.core.ProposeResult.Accepted)) {
                return Optional.empty();
            }
            sim.runUntil(() -> answer[0] != null, 2_000);
            return answer[0] instanceof ProposalOutcome.Applied applied
                    ? Optional.of((byte[]) applied.result())
                    : Optional.empty();
        }

        /** Starts the next command of a concurrent run without waiting for it. */
        private void start(LongFunction<ControllerCommand> command) {
            inFlight = ControllerCodec.encode(command.apply(++sequence));
            retry();
        }

        /** Sends the command under way again (same sequence) through the current leader. */
        private void retry() {
            answer = null;
            sentAtMillis = sim.nowMillis();
            Optional<NodeId> leader = leader();
            if (leader.isPresent()) {
                var result =
                        sim.node(leader.get())
                                .host()
                                .propose(CONTROLLER, inFlight, outcome -> answer = outcome);
                if (!(result instanceof io.raftkv.raft.core.ProposeResult.Accepted)) {
                    answer = result;
                }
            } else {
                answer = "no leader";
            }
        }

        /** Query(number), linearizable (ReadIndex). */
        ShardConfig query(long number) {
            long deadline = sim.nowMillis() + 30_000;
            while (sim.nowMillis() < deadline) {
                Optional<NodeId> leader = leader();
                if (leader.isPresent()) {
                    NodeId node = leader.get();
                    byte[][] answer = new byte[1][];
                    boolean[] failed = {false};
                    var result =
                            sim.node(node)
                                    .host()
                                    .read(
                                            CONTROLLER,
                                            0,
                                            outcome -> {
                                                if (outcome instanceof ReadOutcome.Confirmed) {
                                                    answer[0] =
                                                            stateMachine(node)
                                                                    .query(
                                                                            ControllerCodec
                                                                                    .encodeQuery(
                                                                                            number));
                                                } else {
                                                    failed[0] = true;
                                                }
                                            });
                    if (result instanceof io.raftkv.raft.core.ReadResult.Queued) {
                        sim.runUntil(() -> answer[0] != null || failed[0], 2_000);
                        if (answer[0] != null) {
                            return ((ControllerResult.Config)
                                            ControllerCodec.decodeResult(answer[0]))
                                    .config();
                        }
                    }
                }
                sim.runFor(20);
            }
            throw new AssertionError("client %d: no answer to a query in 30 s".formatted(clientId));
        }
    }
}
