package io.raftkv.shardkv.sharded;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.shardkv.kv.HistoryAdapter;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.Shards;
import io.raftkv.shardkv.linearizability.LinearizabilityChecker;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The lab's shardkv tests ({@code anchors/mit-6824-tests.md} section 6) on simulated nodes, with
 * the lab's schedules, parameters and bounds in virtual time: three groups of three servers, ten
 * shards. Keys are chosen so that key {@code i} of the first ten lies in shard {@code i}, as the
 * lab's keys "0".."9" cover its ten shards.
 */
class ShardKvLabTest {
    private static final int CHUNK_BYTES = 64 << 10;
    private static final long SEED = 6824;

    private final List<Operation> history = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(SEED);

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String randomString(SplittableRandom random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    /** {@code count} keys; key {@code i} lies in shard {@code i % SHARDS}. */
    static List<String> keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int shard = i % ShardKvSim.SHARDS;
            for (int n = 0; ; n++) {
                String key = "k" + i + "-" + n;
                if (Shards.of(bytes(key), ShardKvSim.SHARDS) == shard) {
                    keys.add(key);
                    break;
                }
            }
        }
        return keys;
    }

    private ShardKvSim cluster(boolean unreliable, long maxRaftState) {
        return new ShardKvSim(
                SEED, 3, 3, unreliable, maxRaftState, CHUNK_BYTES, HistoryAdapter.into(history));
    }

    private static void check(ShardKvSim.Clerk clerk, String key, String expected) {
        KvResult result = clerk.run(new KvOp.Get(bytes(key)));
        assertThat(result).as("Get(%s)", key).isInstanceOf(KvResult.Value.class);
        byte[] value = ((KvResult.Value) result).value();
        assertThat(value == null ? "" : new String(value, StandardCharsets.UTF_8))
                .as("Get(%s)", key)
                .isEqualTo(expected);
    }

    private static void put(ShardKvSim.Clerk clerk, String key, String value) {
        assertThat(clerk.run(new KvOp.Put(bytes(key), bytes(value)))).isEqualTo(new KvResult.Ok());
    }

    private static void append(ShardKvSim.Clerk clerk, String key, String value) {
        assertThat(clerk.run(new KvOp.Append(bytes(key), bytes(value))))
                .isEqualTo(new KvResult.Ok());
    }

    /** Puts a random value of {@code length} under every key; returns the values. */
    private List<String> putAll(ShardKvSim.Clerk clerk, List<String> keys, int length) {
        List<String> values = new ArrayList<>();
        for (String key : keys) {
            String value = randomString(random, length);
            put(clerk, key, value);
            values.add(value);
        }
        return values;
    }

    /** For every key: check its value, append to it, remember the new value. */
    private void checkAndAppendAll(ShardKvSim.Clerk clerk, List<String> keys, List<String> values) {
        for (int i = 0; i < keys.size(); i++) {
            check(clerk, keys.get(i), values.get(i));
            String more = randomString(random, 5);
            append(clerk, keys.get(i), more);
            values.set(i, values.get(i) + more);
        }
    }

    private static void checkAll(ShardKvSim.Clerk clerk, List<String> keys, List<String> values) {
        for (int i = 0; i < keys.size(); i++) {
            check(clerk, keys.get(i), values.get(i));
        }
    }

    /** The lab's checklogs: persisted Raft state within 8 x maxraftstate, or no snapshot at -1. */
    private static void checkLogs(ShardKvSim cluster, long maxRaftState) {
        for (GroupId group : cluster.groupIds()) {
            for (NodeId node : cluster.nodesOf(group)) {
                var storage = cluster.sim().node(node).storage();
                if (maxRaftState >= 0) {
                    assertThat(storage.stateBytes(group))
                            .as("Raft state of %s on %s", group, node)
                            .isLessThanOrEqualTo(8 * maxRaftState);
                } else {
                    assertThat(storage.snapshotBytes(group))
                            .as("maxraftstate is -1, but %s on %s has a snapshot", group, node)
                            .isZero();
                }
            }
        }
    }

    private void assertLinearizable() {
        LinearizabilityChecker.assertLinearizable(history, Duration.ofSeconds(60));
    }

    @Test
    void staticShards() {
        ShardKvSim cluster = cluster(false, -1);
        cluster.join(cluster.group(0));
        cluster.join(cluster.group(1));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        List<String> values = putAll(clerk, keys, 20);
        checkAll(clerk, keys, values);

        cluster.shutDownGroup(cluster.group(1));
        checkLogs(cluster, -1);
        int[] completions = new int[1];
        long[] lastCompletion = {cluster.sim().nowMillis()};
        for (int i = 0; i < keys.size(); i++) {
            String expected = values.get(i);
            cluster.clerk()
                    .submit(
                            new KvOp.Get(bytes(keys.get(i))),
                            result -> {
                                assertThat(((KvResult.Value) result).value())
                                        .isEqualTo(bytes(expected));
                                completions[0]++;
                                lastCompletion[0] = cluster.sim().nowMillis();
                            });
        }
        cluster.sim()
                .runUntil(() -> cluster.sim().nowMillis() - lastCompletion[0] >= 2_000, 60_000);
        assertThat(completions[0]).as("completions with one group dead").isEqualTo(5);

        cluster.startGroup(cluster.group(1));
        checkAll(clerk, keys, values);
        assertLinearizable();
    }

    @Test
    void joinLeave() {
        ShardKvSim cluster = cluster(false, -1);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        List<String> values = putAll(clerk, keys, 5);
        checkAll(clerk, keys, values);
        cluster.join(cluster.group(1));
        checkAndAppendAll(clerk, keys, values);
        cluster.leave(cluster.group(0));
        checkAndAppendAll(clerk, keys, values);
        cluster.sim().runFor(1_000);
        checkLogs(cluster, -1);
        cluster.shutDownGroup(cluster.group(0));
        checkAll(clerk, keys, values);
        assertLinearizable();
    }

    @Test
    void snapshot() {
        ShardKvSim cluster = cluster(false, 1_000);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(30);
        List<String> values = putAll(clerk, keys, 20);
        checkAll(clerk, keys, values);
        cluster.join(cluster.group(1));
        cluster.join(cluster.group(2));
        cluster.leave(cluster.group(0));
        checkAndAppendAll(clerk, keys, values);
        cluster.leave(cluster.group(1));
        cluster.join(cluster.group(0));
        checkAndAppendAll(clerk, keys, values);
        cluster.sim().runFor(1_000);
        checkAll(clerk, keys, values);
        cluster.sim().runFor(1_000);
        checkLogs(cluster, 1_000);
        cluster.groupIds().forEach(cluster::shutDownGroup);
        cluster.groupIds().forEach(cluster::startGroup);
        checkAll(clerk, keys, values);
        assertLinearizable();
    }

    @Test
    void missChange() {
        ShardKvSim cluster = cluster(false, 1_000);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        List<String> values = putAll(clerk, keys, 20);
        checkAll(clerk, keys, values);
        cluster.join(cluster.group(1));
        serverOfEveryGroup(cluster, 0, false);
        cluster.join(cluster.group(2));
        cluster.leave(cluster.group(1));
        cluster.leave(cluster.group(0));
        checkAndAppendAll(clerk, keys, values);
        cluster.join(cluster.group(1));
        checkAndAppendAll(clerk, keys, values);
        serverOfEveryGroup(cluster, 0, true);
        checkAndAppendAll(clerk, keys, values);
        cluster.sim().runFor(2_000);
        serverOfEveryGroup(cluster, 1, false);
        cluster.join(cluster.group(0));
        cluster.leave(cluster.group(2));
        checkAndAppendAll(clerk, keys, values);
        serverOfEveryGroup(cluster, 1, true);
        checkAll(clerk, keys, values);
        assertLinearizable();
    }

    private static void serverOfEveryGroup(ShardKvSim cluster, int index, boolean up) {
        for (GroupId group : cluster.groupIds()) {
            NodeId node = cluster.nodesOf(group).get(index);
            if (up) {
                cluster.start(node);
            } else {
                cluster.crash(node, 0);
            }
        }
    }

    @Test
    void concurrent1() {
        ShardKvSim cluster = cluster(false, 100);
        cluster.join(cluster.group(0));
        List<String> keys = keys(10);
        List<String> values = putAll(cluster.clerk(), keys, 5);
        Appenders appenders = new Appenders(cluster, keys, values, 5, 10, random.split());
        appenders.start();
        cluster.sim().runFor(150);
        cluster.join(cluster.group(1));
        cluster.sim().runFor(500);
        cluster.join(cluster.group(2));
        cluster.sim().runFor(500);
        cluster.leave(cluster.group(0));
        cluster.shutDownGroup(cluster.group(0));
        cluster.sim().runFor(100);
        cluster.shutDownGroup(cluster.group(1));
        cluster.sim().runFor(100);
        cluster.shutDownGroup(cluster.group(2));
        cluster.leave(cluster.group(2));
        cluster.sim().runFor(100);
        cluster.groupIds().forEach(cluster::startGroup);
        cluster.sim().runFor(100);
        cluster.join(cluster.group(0));
        cluster.leave(cluster.group(1));
        cluster.sim().runFor(500);
        cluster.join(cluster.group(1));
        cluster.sim().runFor(1_000);
        appenders.stop();
        checkAppends(cluster, keys, appenders);
    }

    private void checkAppends(ShardKvSim cluster, List<String> keys, Appenders appenders) {
        ShardKvSim.Clerk clerk = cluster.clerk();
        for (int i = 0; i < keys.size(); i++) {
            check(clerk, keys.get(i), appenders.expected(i));
        }
        assertLinearizable();
    }

    @Test
    void concurrent2() {
        ShardKvSim cluster = cluster(false, -1);
        cluster.join(cluster.group(1));
        cluster.join(cluster.group(0));
        cluster.join(cluster.group(2));
        List<String> keys = keys(10);
        List<String> values = putAll(cluster.clerk(), keys, 1);
        Appenders appenders = new Appenders(cluster, keys, values, 1, 50, random.split());
        appenders.start();
        cluster.leave(cluster.group(0));
        cluster.leave(cluster.group(2));
        cluster.sim().runFor(3_000);
        cluster.join(cluster.group(0));
        cluster.join(cluster.group(2));
        cluster.leave(cluster.group(1));
        cluster.sim().runFor(3_000);
        cluster.join(cluster.group(1));
        cluster.leave(cluster.group(0));
        cluster.leave(cluster.group(2));
        cluster.sim().runFor(3_000);
        cluster.shutDownGroup(cluster.group(1));
        cluster.shutDownGroup(cluster.group(2));
        cluster.sim().runFor(1_000);
        cluster.startGroup(cluster.group(1));
        cluster.startGroup(cluster.group(2));
        cluster.sim().runFor(2_000);
        appenders.stop();
        checkAppends(cluster, keys, appenders);
    }

    @Test
    void concurrent3() {
        ShardKvSim cluster = cluster(false, 300);
        cluster.join(cluster.group(0));
        List<String> keys = keys(10);
        List<String> values = putAll(cluster.clerk(), keys, 1);
        Appenders appenders = new Appenders(cluster, keys, values, 1, 0, random.split());
        appenders.start();
        long end = cluster.sim().nowMillis() + 12_000;
        while (cluster.sim().nowMillis() < end) {
            cluster.join(cluster.group(2));
            cluster.join(cluster.group(1));
            cluster.sim().runFor(random.nextInt(900));
            cluster.groupIds().forEach(cluster::shutDownGroup);
            cluster.groupIds().forEach(cluster::startGroup);
            cluster.sim().runFor(random.nextInt(900));
            cluster.leave(cluster.group(1));
            cluster.leave(cluster.group(2));
            cluster.sim().runFor(random.nextInt(900));
        }
        cluster.sim().runFor(2_000);
        appenders.stop();
        checkAppends(cluster, keys, appenders);
    }

    @Test
    void unreliable1() {
        ShardKvSim cluster = cluster(true, 100);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        List<String> values = putAll(clerk, keys, 5);
        cluster.join(cluster.group(1));
        cluster.join(cluster.group(2));
        cluster.leave(cluster.group(0));
        for (int round = 0; round < 20; round++) {
            int i = round % keys.size();
            check(clerk, keys.get(i), values.get(i));
            String more = randomString(random, 5);
            append(clerk, keys.get(i), more);
            values.set(i, values.get(i) + more);
        }
        cluster.join(cluster.group(0));
        cluster.leave(cluster.group(1));
        for (int round = 0; round < 20; round++) {
            int i = round % keys.size();
            check(clerk, keys.get(i), values.get(i));
        }
        assertLinearizable();
    }

    /** TestUnreliable2's config schedule, under way while clients run. */
    private static void unreliableSchedule(ShardKvSim cluster) {
        cluster.sim().runFor(150);
        cluster.join(cluster.group(1));
        cluster.sim().runFor(500);
        cluster.join(cluster.group(2));
        cluster.sim().runFor(500);
        cluster.leave(cluster.group(0));
        cluster.sim().runFor(500);
        cluster.leave(cluster.group(1));
        cluster.sim().runFor(500);
        cluster.join(cluster.group(1));
        cluster.join(cluster.group(0));
        cluster.sim().runFor(2_000);
    }

    @Test
    void unreliable2() {
        ShardKvSim cluster = cluster(true, 100);
        cluster.join(cluster.group(0));
        List<String> keys = keys(10);
        List<String> values = putAll(cluster.clerk(), keys, 5);
        Appenders appenders = new Appenders(cluster, keys, values, 5, 0, random.split());
        appenders.start();
        unreliableSchedule(cluster);
        cluster.sim().network().faults(NetworkFaults.RELIABLE);
        appenders.stop();
        checkAppends(cluster, keys, appenders);
    }

    @Test
    void unreliable3() {
        ShardKvSim cluster = cluster(true, 100);
        cluster.join(cluster.group(0));
        List<String> keys = keys(10);
        putAll(cluster.clerk(), keys, 5);
        RandomClients clients = new RandomClients(cluster, keys, 10, random.split());
        clients.start();
        unreliableSchedule(cluster);
        cluster.sim().network().faults(NetworkFaults.RELIABLE);
        clients.stop();
        assertThat(history.size()).as("operations done").isGreaterThan(50);
        assertLinearizable();
    }

    @Test
    void challenge1Delete() {
        ShardKvSim cluster = cluster(false, 1);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(30);
        List<String> values = putAll(clerk, keys, 1_000);
        checkAll(clerk, keys.subList(0, 3), values.subList(0, 3));
        for (int round = 0; round < 2; round++) {
            cluster.join(cluster.group(1));
            cluster.leave(cluster.group(0));
            cluster.join(cluster.group(2));
            cluster.sim().runFor(3_000);
            checkAll(clerk, keys.subList(0, 3), values.subList(0, 3));
            cluster.leave(cluster.group(1));
            cluster.join(cluster.group(0));
            cluster.leave(cluster.group(2));
            cluster.sim().runFor(3_000);
            checkAll(clerk, keys.subList(0, 3), values.subList(0, 3));
        }
        cluster.join(cluster.group(1));
        cluster.join(cluster.group(2));
        for (int round = 0; round < 3; round++) {
            cluster.sim().runFor(1_000);
            checkAll(clerk, keys.subList(0, 3), values.subList(0, 3));
        }
        long total = 0;
        for (GroupId group : cluster.groupIds()) {
            for (NodeId node : cluster.nodesOf(group)) {
                var storage = cluster.sim().node(node).storage();
                total += storage.stateBytes(group) + storage.snapshotBytes(group);
            }
        }
        assertThat(total)
                .as("snapshots and persisted Raft state of all 9 servers")
                .isLessThanOrEqualTo(3 * ((30 - 3) * 1_000 + 2 * 3 * 1_000 + 6_000));
        checkAll(clerk, keys, values);
        assertLinearizable();
    }

    @Test
    void challenge2Unaffected() {
        ShardKvSim cluster = cluster(true, 100);
        cluster.join(cluster.group(0));
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        for (String key : keys) {
            put(clerk, key, "100");
        }
        cluster.join(cluster.group(1));
        List<Integer> owned = cluster.latestConfig().shardsOf(cluster.group(1));
        cluster.sim().runFor(1_000);
        for (int shard : owned) {
            put(clerk, keys.get(shard), "101");
        }
        cluster.shutDownGroup(cluster.group(0));
        cluster.leave(cluster.group(0));
        cluster.sim().runFor(1_000);
        for (int shard : owned) {
            check(clerk, keys.get(shard), "101");
            put(clerk, keys.get(shard), "101-1");
            check(clerk, keys.get(shard), "101-1");
        }
        assertLinearizable();
    }

    @Test
    void challenge2Partial() {
        ShardKvSim cluster = cluster(true, 100);
        cluster.join(cluster.group(0), cluster.group(1), cluster.group(2));
        cluster.sim().runFor(1_000);
        ShardKvSim.Clerk clerk = cluster.clerk();
        List<String> keys = keys(10);
        for (String key : keys) {
            put(clerk, key, "100");
        }
        List<Integer> owned = cluster.latestConfig().shardsOf(cluster.group(2));
        cluster.shutDownGroup(cluster.group(0));
        cluster.leave(cluster.group(0), cluster.group(2));
        cluster.sim().runFor(1_000);
        for (int shard : owned) {
            check(clerk, keys.get(shard), "100");
            put(clerk, keys.get(shard), "100-2");
            check(clerk, keys.get(shard), "100-2");
        }
        assertLinearizable();
    }
}
