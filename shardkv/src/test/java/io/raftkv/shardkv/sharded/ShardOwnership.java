package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.raft.node.Access;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.shardkv.kv.KvStateMachine;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks that at any instant at most one group serves a shard, whatever config numbers the groups
 * are in. A group's state at an instant is the one its log reached first: the state of the first
 * replica to apply its highest index so far (a lagging or restarted replica replays older states,
 * which are history, not service). Every replica's state machine is wrapped ({@link Watched}), so
 * each new index is seen as it is applied, not sampled.
 *
 * <p>NB: keyed by shard alone. Sampling per config number cannot see the split brain a migration
 * bug makes, one group still serving a shard in config n while another serves it in config n+1.
 *
 * <p>On the simulation's loop; the first violation is kept for {@link #check} (an exception thrown
 * from inside an apply would be taken for the node's fault).
 */
final class ShardOwnership {
    private final int shardCount;
    private final TreeMap<GroupId, Long> highestApplied = new TreeMap<>();
    private final TreeMap<GroupId, TreeSet<Integer>> serving = new TreeMap<>();
    private AssertionError violation;

    ShardOwnership(int shardCount) {
        this.shardCount = shardCount;
    }

    /** Throws the first violation seen so far, if any. */
    void check() {
        if (violation != null) {
            throw violation;
        }
    }

    /** Called after {@code machine}, of {@code group}, applied {@code index}. */
    void applied(GroupId group, long index, KvStateMachine machine) {
        if (index <= highestApplied.getOrDefault(group, 0L)) {
            return;
        }
        highestApplied.put(group, index);
        TreeSet<Integer> shards = new TreeSet<>();
        for (int shard = 0; shard < shardCount; shard++) {
            if (machine.serves(shard)) {
                shards.add(shard);
            }
        }
        serving.put(group, shards);
        for (Map.Entry<GroupId, TreeSet<Integer>> other : serving.entrySet()) {
            for (int shard : shards) {
                if (!other.getKey().equals(group)
                        && other.getValue().contains(shard)
                        && violation == null) {
                    violation =
                            new AssertionError(
                                    ("%s serves shard %d (config %d, index %d) while %s"
                                                    + " still serves it")
                                            .formatted(
                                                    group,
                                                    shard,
                                                    machine.configNumber(),
                                                    index,
                                                    other.getKey()));
                }
            }
        }
    }

    /** A replica's state machine that reports each application to the {@link ShardOwnership}. */
    static final class Watched implements QueryableStateMachine {
        private final GroupId group;
        private final KvStateMachine inner;
        private final ShardOwnership ownership;

        Watched(GroupId group, KvStateMachine inner, ShardOwnership ownership) {
            this.group = group;
            this.inner = inner;
            this.ownership = ownership;
        }

        KvStateMachine inner() {
            return inner;
        }

        @Override
        public Object apply(long index, byte[] command) {
            Object result = inner.apply(index, command);
            ownership.applied(group, index, inner);
            return result;
        }

        @Override
        public byte[] snapshot() {
            return inner.snapshot();
        }

        @Override
        public void restore(byte[] snapshot) {
            inner.restore(snapshot);
        }

        @Override
        public byte[] query(byte[] request) {
            return inner.query(request);
        }

        @Override
        public Optional<Access> commandAccess(byte[] command) {
            return inner.commandAccess(command);
        }

        @Override
        public Access queryAccess(byte[] query) {
            return inner.queryAccess(query);
        }
    }
}
