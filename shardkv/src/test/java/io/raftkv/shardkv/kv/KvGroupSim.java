package io.raftkv.shardkv.kv;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.ReadOutcome;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.server.ShardMigrator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One KV replica group on simulated nodes: the lab's kvraft tester on virtual time. Clerks are
 * asynchronous (many run at once): each operation retries through whichever node answers until it
 * gets a result, with one sequence number per write, and is recorded for the linearizability
 * checker with its call and return times.
 */
final class KvGroupSim {
    static final GroupId GROUP = GroupId.of(1);
    static final int SHARDS = 10;

    /** How long a clerk waits for one attempt before trying another node. */
    private static final long ATTEMPT_MILLIS = 1_000;

    private final Simulation sim;
    private final List<NodeId> nodes = new ArrayList<>();
    private final HistoryAdapter.Recorder recorder;
    private int nextClientId;

    /**
     * @param maxRaftStateBytes snapshot once the log since the last one holds this many bytes (the
     *     lab's maxraftstate); -1 for never
     */
    KvGroupSim(
            int servers,
            boolean unreliable,
            long maxRaftStateBytes,
            long seed,
            HistoryAdapter.Recorder recorder) {
        HostOptions options = HostOptions.defaults();
        if (maxRaftStateBytes > 0) {
            options = options.withSnapshotLogBytes(maxRaftStateBytes);
        } else {
            options =
                    options.withSnapshotEntries(Integer.MAX_VALUE)
                            .withSnapshotLogBytes(Long.MAX_VALUE);
        }
        this.sim =
                new Simulation(
                        seed, options, (node, group, ledger) -> new KvStateMachine(GROUP, SHARDS));
        this.recorder = recorder;
        for (int i = 1; i <= servers; i++) {
            NodeId node = NodeId.of(i);
            nodes.add(node);
            sim.addNode(node);
            sim.start(node);
        }
        sim.addGroup(GROUP, new Membership(nodes));
        giveAllShardsToTheGroup();
        sim.network().faults(unreliable ? NetworkFaults.UNRELIABLE : NetworkFaults.RELIABLE);
    }

    /** Config 1: every shard to this group (as the controller would after its Join). */
    private void giveAllShardsToTheGroup() {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        groups.put(
                GROUP,
                nodes.stream().map(node -> new Member(node, "sim:" + node.value())).toList());
        ShardConfig config =
                ShardConfig.initial(SHARDS).next(Collections.nCopies(SHARDS, GROUP), groups);
        byte[] install = KvCodec.encode(new KvCommand.InstallConfig(config));
        for (int attempt = 0; attempt < 20 && !installedEverywhere(); attempt++) {
            runUntil(() -> sim.leaderOf(GROUP).isPresent(), 10_000, "a leader of the group");
            sim.node(sim.leaderOf(GROUP).orElseThrow())
                    .host()
                    .propose(GROUP, install, outcome -> {});
            sim.runUntil(this::installedEverywhere, 500);
        }
        if (!installedEverywhere()) {
            throw new AssertionError("config 1 was not installed");
        }
    }

    private boolean installedEverywhere() {
        return nodes.stream().allMatch(node -> stateMachine(node).configNumber() == 1);
    }

    KvStateMachine stateMachine(NodeId node) {
        return (KvStateMachine) sim.node(node).stateMachine(GROUP).orElseThrow();
    }

    Simulation sim() {
        return sim;
    }

    List<NodeId> nodes() {
        return nodes;
    }

    Clerk clerk() {
        return new Clerk(++nextClientId, nodes);
    }

    /**
     * A clerk that only talks to {@code reachable} (the lab's clerks connected to some servers).
     */
    Clerk clerk(List<NodeId> reachable) {
        return new Clerk(++nextClientId, reachable);
    }

    /** The largest persisted Raft state of any replica (the lab's LogSize), snapshot excluded. */
    long logSize() {
        return nodes.stream()
                .mapToLong(node -> sim.node(node).storage().stateBytes(GROUP))
                .max()
                .orElse(0);
    }

    long snapshotSize() {
        return nodes.stream()
                .mapToLong(node -> sim.node(node).storage().snapshotBytes(GROUP))
                .max()
                .orElse(0);
    }

    /** Runs until {@code done} holds; fails the test after {@code millis} of virtual time. */
    void runUntil(java.util.function.BooleanSupplier done, long millis, String what) {
        if (!sim.runUntil(done, millis)) {
            throw new AssertionError(
                    "%s did not happen within %d ms of virtual time".formatted(what, millis));
        }
    }

    /** A clerk's session in one shard: its id, and the sequence number of its last write. */
    private static final class ShardSession {
        final long id;
        long sequence;
        boolean registered;

        ShardSession(long id) {
            this.id = id;
        }
    }

    /** One client: one operation at a time, retried until it has a result. */
    final class Clerk {
        private final int clientId;
        private List<NodeId> reachable;
        private final TreeMap<Integer, ShardSession> sessions = new TreeMap<>();
        private int target;
        private long attempt;
        private boolean busy;

        Clerk(int clientId, List<NodeId> reachable) {
            this.clientId = clientId;
            this.reachable = List.copyOf(reachable);
        }

        int id() {
            return clientId;
        }

        /** From now on talks to {@code nodes} (the lab's ConnectClient). */
        void reach(List<NodeId> nodes) {
            reachable = List.copyOf(nodes);
        }

        boolean busy() {
            return busy;
        }

        /** Starts {@code op}; {@code done} gets its result once one arrives. */
        void submit(KvOp op, Consumer<KvResult> done) {
            if (busy) {
                throw new IllegalStateException(
                        "clerk " + clientId + " already has an operation under way");
            }
            busy = true;
            long callMillis = sim.nowMillis();
            Consumer<KvResult> finish =
                    result -> {
                        busy = false;
                        recorder.record(clientId, op, result, callMillis, sim.nowMillis());
                        done.accept(result);
                    };
            if (op.isRead()) {
                tryOnce(true, KvCodec.encode(new KvQuery.Read((KvOp.Get) op)), finish);
                return;
            }
            int shard = Shards.of(op.key(), SHARDS);
            ShardSession session =
                    sessions.computeIfAbsent(shard, s -> new ShardSession(sim.random().nextLong()));
            Runnable write =
                    () -> {
                        byte[] command =
                                KvCodec.encode(
                                        new KvCommand.Write(session.id, ++session.sequence, op));
                        tryOnce(
                                false,
                                command,
                                result -> {
                                    if (result instanceof KvResult.SessionExpired) {
                                        sessions.remove(
                                                shard); // the next write opens a new session
                                    }
                                    finish.accept(result);
                                });
                    };
            if (session.registered) {
                write.run();
            } else {
                byte[] register = KvCodec.encode(new KvCommand.RegisterSession(session.id, shard));
                tryOnce(
                        false,
                        register,
                        registered -> {
                            session.registered = true;
                            write.run();
                        });
            }
        }

        /** Runs {@code op} to completion, driving virtual time; fails after {@code millis}. */
        KvResult run(KvOp op, long millis) {
            KvResult[] result = new KvResult[1];
            submit(op, r -> result[0] = r);
            runUntil(
                    () -> result[0] != null,
                    millis,
                    "clerk %d: %s".formatted(clientId, op.getClass().getSimpleName()));
            return result[0];
        }

        KvResult run(KvOp op) {
            return run(op, 60_000);
        }

        private void tryOnce(boolean read, byte[] command, Consumer<KvResult> finish) {
            long thisAttempt = ++attempt;
            NodeId node = reachable.get(target % reachable.size());
            Optional<GroupHost> host = sim.node(node).hostIfUp();
            Consumer<Optional<KvResult>> answered =
                    result -> {
                        if (attempt != thisAttempt) {
                            return; // an earlier attempt answering late
                        }
                        attempt++;
                        if (result.isPresent()) {
                            finish.accept(result.get());
                        } else {
                            target++;
                            sim.scheduler().schedule(10, () -> tryOnce(read, command, finish));
                        }
                    };
            if (host.isEmpty() || !sim.network().isConnected(node)) {
                answered.accept(Optional.empty());
                return;
            }
            if (read) {
                read(node, host.get(), command, answered);
            } else {
                write(host.get(), command, answered);
            }
            sim.scheduler().schedule(ATTEMPT_MILLIS, () -> answered.accept(Optional.empty()));
        }

        private void write(GroupHost host, byte[] command, Consumer<Optional<KvResult>> answered) {
            ShardMigrator.LocalGroup.proposeOn(host, GROUP, command, answered);
        }

        private void read(
                NodeId node, GroupHost host, byte[] query, Consumer<Optional<KvResult>> answered) {
            ReadResult result =
                    host.read(
                            GROUP,
                            query.length,
                            outcome -> {
                                if (outcome instanceof ReadOutcome.Confirmed) {
                                    KvStateMachine machine =
                                            (KvStateMachine)
                                                    sim.node(node)
                                                            .stateMachine(GROUP)
                                                            .orElseThrow();
                                    answered.accept(
                                            Optional.of(
                                                    KvCodec.decodeResult(machine.query(query))));
                                } else {
                                    answered.accept(Optional.empty());
                                }
                            });
            if (!(result instanceof ReadResult.Queued)) {
                answered.accept(Optional.empty());
            }
        }
    }
}
