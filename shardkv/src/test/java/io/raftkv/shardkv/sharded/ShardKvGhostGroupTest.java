package io.raftkv.shardkv.sharded;

import static io.raftkv.shardkv.sharded.ShardKvLabTest.bytes;
import static io.raftkv.shardkv.sharded.ShardKvLabTest.keys;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a group joined with members that never come up (mistyped addresses) is given shards, so
 * their sources hold them HANDING_OFF; once the group leaves again, reconfiguration goes on: the
 * sources take the shards back, later joins, leaves and moves complete, and every key keeps its
 * latest value.
 */
class ShardKvGhostGroupTest {
    private static final GroupId GHOST = GroupId.of(900);
    private static final GroupId SECOND_GHOST = GroupId.of(901);
    private static final long SETTLE_MILLIS = 60_000;

    private final List<Operation> history = new ArrayList<>();
    private final ShardKvSim cluster =
            new ShardKvSim(11, 3, 3, false, 2_000, 256, HistoryAdapter.into(history));
    private final ShardKvSim.Clerk clerk = cluster.clerk();
    private final List<String> keys = keys(10);
    private final List<String> values = new ArrayList<>();

    @Test
    void configsGoOnAfterAGhostGroupLeaves() {
        cluster.join(cluster.group(0));
        cluster.join(cluster.group(1));
        putAll("before");
        cluster.joinGhost(GHOST);
        assertThat(cluster.latestConfig().shardsOf(GHOST))
                .as("shards given to the ghost")
                .isNotEmpty();
        cluster.sim().runFor(2_000);
        cluster.leave(GHOST);
        settle("the ghost's leave");
        appendAll("after-leave");

        cluster.join(cluster.group(2));
        cluster.move(0, cluster.group(2));
        cluster.leave(cluster.group(0));
        settle("a join, a move and a leave after the ghost");
        appendAll("after-more");
        checkAll();
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    @Test
    void shardsMovedOnFromAGhostAndBackStillArrive() {
        cluster.join(cluster.group(0));
        putAll("before");
        cluster.joinGhost(GHOST);
        List<Integer> ghostShards = cluster.latestConfig().shardsOf(GHOST);
        cluster.join(cluster.group(1));
        cluster.move(ghostShards.getFirst(), cluster.group(1));
        cluster.move(ghostShards.getLast(), cluster.group(0));
        cluster.joinGhost(SECOND_GHOST);
        cluster.sim().runFor(1_000);
        cluster.leave(GHOST);
        cluster.sim().runFor(1_000);
        cluster.leave(SECOND_GHOST);
        settle("both ghosts' leaves");
        appendAll("after");

        cluster.join(cluster.group(2));
        cluster.leave(cluster.group(1));
        settle("a join and a leave after the ghosts");
        appendAll("later");
        checkAll();
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    @Test
    void aGhostAloneAfterEveryGroupLeftGivesTheShardsBack() {
        cluster.join(cluster.group(0));
        putAll("before");
        cluster.leave(cluster.group(0));
        cluster.joinGhost(GHOST);
        cluster.sim().runFor(1_000);
        cluster.join(cluster.group(1));
        cluster.leave(GHOST);
        settle("the ghost's leave");
        appendAll("after");
        checkAll();
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    /** Waits until every group has taken the latest config. */
    private void settle(String what) {
        ShardConfig latest = cluster.latestConfig();
        cluster.runUntil(
                () -> cluster.everyGroupAt(latest.number()),
                SETTLE_MILLIS,
                "every group taking config %d after %s".formatted(latest.number(), what));
    }

    private void putAll(String prefix) {
        for (String key : keys) {
            String value = prefix + "-" + key + ";";
            assertThat(clerk.run(new KvOp.Put(bytes(key), bytes(value))))
                    .isEqualTo(new KvResult.Ok());
            values.add(value);
        }
    }

    private void appendAll(String prefix) {
        for (int i = 0; i < keys.size(); i++) {
            String more = prefix + ";";
            assertThat(clerk.run(new KvOp.Append(bytes(keys.get(i)), bytes(more))))
                    .as("append to %s", keys.get(i))
                    .isEqualTo(new KvResult.Ok());
            values.set(i, values.get(i) + more);
        }
    }

    private void checkAll() {
        for (int i = 0; i < keys.size(); i++) {
            KvResult result = clerk.run(new KvOp.Get(bytes(keys.get(i))));
            assertThat(result).as("Get(%s)", keys.get(i)).isInstanceOf(KvResult.Value.class);
            assertThat(new String(((KvResult.Value) result).value(), StandardCharsets.UTF_8))
                    .as("Get(%s)", keys.get(i))
                    .isEqualTo(values.get(i));
        }
    }
}
