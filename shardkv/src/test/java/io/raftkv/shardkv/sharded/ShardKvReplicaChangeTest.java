package io.raftkv.shardkv.sharded;

import static io.raftkv.shardkv.sharded.ShardKvLabTest.bytes;
import static io.raftkv.shardkv.sharded.ShardKvLabTest.keys;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: replica changes meet shard migrations. Other groups address a group at the members a
 * config listed; a replica change may since have moved its leader to a node that list lacks.
 */
class ShardKvReplicaChangeTest {
    private static final long SETTLE_MILLIS = 60_000;

    private final List<Operation> history = new ArrayList<>();
    private final ShardKvSim cluster =
            new ShardKvSim(11, 2, 3, false, 2_000, 256, HistoryAdapter.into(history));
    private final ShardKvSim.Clerk clerk = cluster.clerk();
    private final List<String> keys = keys(10);

    /**
     * Found by the swarm (seed 200245 on kv-swarm-members): the receiver pulled at the members of
     * the handoff's config, the old one of which had deleted its replica and the others, followers,
     * named a leader that list lacks; the latest config no longer listed the source at all.
     */
    @Test
    void shardsArePulledFromAGroupThatLeftWhileLedByAReplicaAddedSince() {
        GroupId source = cluster.group(0);
        GroupId receiver = cluster.group(1);
        NodeId spare = cluster.addSpareNodes(1).getFirst();
        cluster.join(source);
        putAll("before");
        cluster.shutDownGroup(receiver);
        cluster.join(receiver);

        NodeId old = cluster.nodesOf(source).getFirst();
        cluster.admin(cluster.replaceReplicaCommand(source, old, spare));
        TreeSet<NodeId> replaced = new TreeSet<>(cluster.nodesOf(source));
        replaced.remove(old);
        replaced.add(spare);
        cluster.runUntil(
                () -> votersAre(source, replaced), SETTLE_MILLIS, source + " replacing " + old);
        handOver(source, spare);
        cluster.leave(source);

        cluster.startGroup(receiver);
        for (String key : keys) {
            KvResult result = clerk.run(new KvOp.Get(bytes(key)), SETTLE_MILLIS);
            assertThat(result).as("Get(%s)", key).isInstanceOf(KvResult.Value.class);
            assertThat(new String(((KvResult.Value) result).value(), StandardCharsets.UTF_8))
                    .as("Get(%s)", key)
                    .isEqualTo("before-" + key + ";");
        }
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    private boolean votersAre(GroupId group, Set<NodeId> voters) {
        Optional<Membership> membership =
                cluster.sim()
                        .leaderOf(group)
                        .flatMap(leader -> cluster.sim().status(leader, group))
                        .map(RaftStatus::membership);
        return membership.isPresent()
                && membership.get().learners().isEmpty()
                && new TreeSet<>(membership.get().voters()).equals(voters);
    }

    /** Asks the leader of {@code group} to hand leadership to {@code node} until it has. */
    private void handOver(GroupId group, NodeId node) {
        for (int attempt = 0; attempt < 30; attempt++) {
            Optional<NodeId> leader = cluster.sim().leaderOf(group);
            if (leader.isPresent() && leader.get().equals(node)) {
                return;
            }
            leader.ifPresent(l -> cluster.sim().node(l).host().transferLeadership(group, node));
            cluster.sim().runFor(1_000);
        }
        throw new AssertionError(node + " never took over " + group);
    }

    private void putAll(String prefix) {
        for (String key : keys) {
            assertThat(clerk.run(new KvOp.Put(bytes(key), bytes(prefix + "-" + key + ";"))))
                    .isEqualTo(new KvResult.Ok());
        }
    }
}
