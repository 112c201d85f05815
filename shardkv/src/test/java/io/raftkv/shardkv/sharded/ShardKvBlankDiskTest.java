package io.raftkv.shardkv.sharded;

import static io.raftkv.shardkv.sharded.ShardKvLabTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's dead disk, in the simulator: a node back with a blank disk must not be a voter of a
 * group that already has a log, or it can elect a replica that lacks acknowledged writes.
 */
class ShardKvBlankDiskTest {
    private static final long SETTLE_MILLIS = 60_000;

    private final List<Operation> history = new ArrayList<>();
    private final ShardKvSim cluster =
            new ShardKvSim(15, 1, 3, false, -1, 256, HistoryAdapter.into(history));
    private final ShardKvSim.Clerk clerk = cluster.clerk();

    /**
     * The scenario for group G = {a, b, c}: c is behind; e is committed on a and b and
     * acknowledged; b's disk dies and b restarts blank while a is unreachable. If the blank b
     * voted, c would lead without e and truncate it from a once a returned.
     */
    @Test
    void aBlankDiskNeverElectsAReplicaThatLacksAcknowledgedWrites() {
        GroupId group = cluster.group(0);
        NodeId spare = cluster.addSpareNodes(1).getFirst();
        cluster.join(group);
        List<NodeId> nodes = cluster.nodesOf(group);
        NodeId a = nodes.get(0);
        NodeId b = nodes.get(1);
        NodeId c = nodes.get(2);
        assertThat(clerk.run(put("k", "before"), SETTLE_MILLIS)).isEqualTo(new KvResult.Ok());
        cluster.runUntil(() -> claimsCommitted(group), SETTLE_MILLIS, "the founders' claims");

        cluster.crash(c, 0);
        assertThat(clerk.run(put("k", "e"), SETTLE_MILLIS)).isEqualTo(new KvResult.Ok());
        cluster.crash(a, 0);
        cluster.replaceDisk(b);
        cluster.start(b);
        cluster.start(c);
        cluster.sim().runFor(10_000);
        assertThat(cluster.sim().status(b, group))
                .as("the blank %s's replica of %s", b, group)
                .isEmpty();

        cluster.start(a);
        KvResult read = clerk.run(new KvOp.Get(bytes("k")), SETTLE_MILLIS);
        assertThat(read).isInstanceOf(KvResult.Value.class);
        assertThat(new String(((KvResult.Value) read).value(), StandardCharsets.UTF_8))
                .as("the acknowledged e")
                .isEqualTo("e");

        cluster.admin(cluster.replaceReplicaCommand(group, b, spare));
        Set<NodeId> replaced = new TreeSet<>(List.of(a, c, spare));
        cluster.runUntil(() -> votersAre(group, replaced), SETTLE_MILLIS, "replacing " + b);
        assertThat(clerk.run(new KvOp.Append(bytes("k"), bytes("+f")), SETTLE_MILLIS))
                .isEqualTo(new KvResult.Ok());
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    private boolean votersAre(GroupId group, Set<NodeId> voters) {
        return cluster.sim()
                .leaderOf(group)
                .flatMap(leader -> cluster.sim().status(leader, group))
                .map(RaftStatus::membership)
                .filter(m -> m.learners().isEmpty() && new TreeSet<>(m.voters()).equals(voters))
                .isPresent();
    }

    private boolean claimsCommitted(GroupId group) {
        return cluster.unclaimedReplicas(group).isEmpty();
    }

    private static KvOp put(String key, String value) {
        return new KvOp.Put(bytes(key), bytes(value));
    }
}
