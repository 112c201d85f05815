package io.raftkv.raft.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.Simulation;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The MIT 6.824 Raft tester ({@code src/raft/config.go}, see {@code anchors/mit-6824-tests.md}
 * section 2.1) on the simulator: one group on n nodes, peers addressed by 0-based index as in the
 * lab, every bound in virtual time.
 */
final class LabCluster {
    static final GroupId GROUP = GroupId.of(1);

    /** The lab's per-test limit. */
    static final long TEST_LIMIT_MILLIS = 120_000;

    private final int n;
    private final Simulation sim;
    private final long startMillis;

    /**
     * @param snapshot take a snapshot every 10 applied entries, as the lab's applierSnap does
     */
    LabCluster(int n, boolean unreliable, boolean snapshot, long seed) {
        this.n = n;
        HostOptions options = HostOptions.defaults();
        if (snapshot) {
            options = options.withSnapshotEntries(10);
        }
        this.sim = Simulation.withHashChains(seed, options);
        for (int i = 0; i < n; i++) {
            sim.addNode(node(i));
        }
        NodeId[] members = IntStream.range(0, n).mapToObj(LabCluster::node).toArray(NodeId[]::new);
        for (int i = 0; i < n; i++) {
            sim.start(node(i));
        }
        sim.addGroup(GROUP, Membership.of(members));
        setUnreliable(unreliable);
        this.startMillis = sim.nowMillis();
    }

    static NodeId node(int index) {
        return NodeId.of(index + 1);
    }

    Simulation sim() {
        return sim;
    }

    int size() {
        return n;
    }

    void setUnreliable(boolean unreliable) {
        NetworkFaults current = sim.network().faults();
        NetworkFaults next = unreliable ? NetworkFaults.UNRELIABLE : NetworkFaults.RELIABLE;
        sim.network().faults(next.withLongReordering(current.longReordering()));
    }

    void setLongReordering(boolean enabled) {
        sim.network().faults(sim.network().faults().withLongReordering(enabled));
    }

    // ---------------------------------------------------------------- connectivity and crashes

    void disconnect(int i) {
        sim.network().disconnect(node(i));
    }

    void connect(int i) {
        sim.network().connect(node(i));
    }

    boolean connected(int i) {
        return sim.network().isConnected(node(i));
    }

    /** The lab's crash1: disconnect and kill; the disk keeps what was durable. */
    void crash(int i) {
        crash(i, 0);
    }

    /**
     * crash1 on a harsher disk than the lab's: with probability {@code tearRate} a prefix of the
     * oldest write not yet durable reaches the disk (see {@code SimStorage}).
     */
    void crash(int i, double tearRate) {
        disconnect(i);
        sim.crash(node(i), tearRate);
    }

    /** The lab's start1: restart from the disk; still disconnected until {@link #connect}. */
    void restart(int i) {
        crash(i);
        sim.start(node(i));
    }

    boolean isUp(int i) {
        return sim.node(node(i)).isUp();
    }

    // ---------------------------------------------------------------- the lab's checks

    /** Start(command) on peer i: the immediate answer. */
    ProposeResult start(int i, byte[] command) {
        if (!isUp(i)) {
            return new io.raftkv.raft.core.Rejection.NotLeader(Optional.empty());
        }
        return sim.node(node(i)).host().propose(GROUP, command, outcome -> {});
    }

    Optional<RaftStatus> status(int i) {
        return sim.status(node(i), GROUP);
    }

    boolean isLeader(int i) {
        return status(i).map(status -> status.role() == Role.LEADER).orElse(false);
    }

    long term(int i) {
        return status(i).map(RaftStatus::term).orElse(0L);
    }

    /**
     * Up to 10 rounds of 450-549 ms: fails if a term has two leaders among connected peers; returns
     * the leader of the newest term; fails after the rounds ("expected one leader").
     */
    int checkOneLeader() {
        for (int round = 0; round < 10; round++) {
            sim.runFor(450 + sim.random().nextInt(100));
            TreeMap<Long, Integer> leaders = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                if (connected(i) && isLeader(i)) {
                    Integer other = leaders.put(term(i), i);
                    if (other != null) {
                        fail("term %d has two leaders: %d and %d".formatted(term(i), other, i));
                    }
                }
            }
            if (!leaders.isEmpty()) {
                return leaders.lastEntry().getValue();
            }
        }
        return fail("expected one leader, got none");
    }

    /** All connected peers agree on the term; returns it. */
    long checkTerms() {
        long agreed = -1;
        for (int i = 0; i < n; i++) {
            if (connected(i) && isUp(i)) {
                if (agreed == -1) {
                    agreed = term(i);
                } else if (agreed != term(i)) {
                    fail("servers disagree on term");
                }
            }
        }
        return agreed;
    }

    void checkNoLeader() {
        for (int i = 0; i < n; i++) {
            if (connected(i) && isLeader(i)) {
                fail(
                        "expected no leader among connected servers, but %d claims to be leader"
                                .formatted(i));
            }
        }
    }

    /** How many peers have applied {@code index} (the ledger checks that they agree). */
    int nCommitted(long index) {
        if (sim.ledger().commandAt(GROUP, index).isEmpty()) {
            return 0;
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (sim.appliedIndex(node(i), GROUP) >= index) {
                count++;
            }
        }
        return count;
    }

    Optional<byte[]> committedCommand(long index) {
        return sim.ledger().commandAt(GROUP, index);
    }

    /**
     * The lab's one(): submit to whichever connected peer leads, then wait up to 2 s for {@code
     * expected} peers to apply it; retries (if allowed) for up to 10 s. Returns the index.
     */
    long one(byte[] command, int expected, boolean retry) {
        Agreement agreement = new Agreement(command, expected, retry);
        while (sim.nowMillis() < agreement.deadlineMillis) {
            long index = agreement.tryStart();
            if (index == -1) {
                sim.runFor(50);
                continue;
            }
            if (sim.runUntil(() -> agreement.reached(index), 2_000)) {
                return index;
            }
            if (!retry) {
                fail("one(%s) failed to reach agreement".formatted(describe(command)));
            }
        }
        return fail("one(%s) failed to reach agreement in 10 s".formatted(describe(command)));
    }

    /**
     * The lab's one() called from a goroutine of its own: it submits and waits as virtual time
     * passes, interleaved with the test's other calls, and fails the test (from inside the
     * simulation) where one() would.
     */
    Agreement oneInBackground(byte[] command, int expected, boolean retry) {
        Agreement agreement = new Agreement(command, expected, retry);
        agreement.attempt();
        return agreement;
    }

    /** Runs virtual time until every agreement is reached; each gives up by itself after 10 s. */
    void awaitAll(List<Agreement> agreements) {
        boolean reached = sim.runUntil(() -> agreements.stream().allMatch(Agreement::done), 12_100);
        assertTrue(reached, "background one() calls did not finish");
    }

    /** Runs {@code step} after {@code delayMillis} of virtual time: a goroutine's sleep. */
    void after(long delayMillis, Runnable step) {
        sim.scheduler().schedule(delayMillis, step);
    }

    /** One call of the lab's one(), as a state machine that virtual time can drive. */
    final class Agreement {
        private final byte[] command;
        private final int expected;
        private final boolean retry;
        private final long deadlineMillis;
        private int starter;
        private long index = -1;
        private long waitUntilMillis;
        private boolean done;

        private Agreement(byte[] command, int expected, boolean retry) {
            this.command = command;
            this.expected = expected;
            this.retry = retry;
            this.deadlineMillis = sim.nowMillis() + 10_000;
        }

        boolean done() {
            return done;
        }

        /** Start(command) on the connected peers round-robin; the index, or -1 if none leads. */
        private long tryStart() {
            for (int tried = 0; tried < n; tried++) {
                starter = (starter + 1) % n;
                if (connected(starter)
                        && start(starter, command) instanceof ProposeResult.Accepted accepted) {
                    return accepted.index();
                }
            }
            return -1;
        }

        private boolean reached(long at) {
            return nCommitted(at) >= expected
                    && Arrays.equals(committedCommand(at).orElseThrow(), command);
        }

        private void attempt() {
            if (sim.nowMillis() >= deadlineMillis) {
                fail("one(%s) failed to reach agreement in 10 s".formatted(describe(command)));
            }
            index = tryStart();
            if (index == -1) {
                after(50, this::attempt);
                return;
            }
            waitUntilMillis = sim.nowMillis() + 2_000;
            check();
        }

        private void check() {
            if (reached(index)) {
                done = true;
            } else if (sim.nowMillis() < waitUntilMillis) {
                after(20, this::check);
            } else if (retry) {
                attempt();
            } else {
                fail("one(%s) failed to reach agreement".formatted(describe(command)));
            }
        }
    }

    /**
     * The lab's wait(): polls up to ~30 s for n peers to apply {@code index}; returns -1 if a peer
     * moved past {@code startTerm}. Returns the index otherwise.
     */
    long waitCommitted(long index, int expected, long startTerm) {
        long deadline = sim.nowMillis() + 30_000;
        while (sim.nowMillis() < deadline) {
            if (nCommitted(index) >= expected) {
                return index;
            }
            sim.runFor(10);
            if (startTerm > -1) {
                for (int i = 0; i < n; i++) {
                    if (term(i) > startTerm) {
                        return -1;
                    }
                }
            }
        }
        return fail(
                "only %d decided for index %d; wanted %d"
                        .formatted(nCommitted(index), index, expected));
    }

    /** Max over peers of the persisted Raft state in bytes, snapshot excluded. */
    long logSize() {
        long max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, sim.node(node(i)).storage().stateBytes(GROUP));
        }
        return max;
    }

    long rpcCount(int i) {
        return sim.network().requestsDelivered(node(i));
    }

    long rpcTotal() {
        return sim.network().requestsDeliveredTotal();
    }

    long bytesTotal() {
        return sim.network().bytesSent();
    }

    /** Whether peer i's disk holds a snapshot. */
    boolean hasSnapshot(int i) {
        return sim.node(node(i)).storage().snapshotBytes(GROUP) > 0;
    }

    /**
     * The lab's end(): the test stayed within 120 s of virtual time. Prints the lab's summary line,
     * with the seed that replays the run.
     */
    void end() {
        long elapsedMillis = sim.nowMillis() - startMillis;
        assertTrue(
                elapsedMillis <= TEST_LIMIT_MILLIS, "test took longer than 120 seconds (virtual)");
        long tornWrites = 0;
        for (int i = 0; i < n; i++) {
            tornWrites += sim.node(node(i)).storage().tornWrites();
        }
        System.out.printf(
                "  ... Passed -- %5.1f s virtual, %d peers, %d rpcs, %d bytes, %d torn writes,"
                        + " seed %d%n",
                elapsedMillis / 1000.0, n, rpcTotal(), bytesTotal(), tornWrites, sim.seed());
    }

    static byte[] command(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static String describe(byte[] command) {
        return command.length == 8
                ? Long.toString(ByteBuffer.wrap(command).getLong())
                : command.length + "B";
    }
}
