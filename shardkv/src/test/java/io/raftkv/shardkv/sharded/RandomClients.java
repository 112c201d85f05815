package io.raftkv.shardkv.sharded;

import io.raftkv.shardkv.kv.KvOp;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lab's TestUnreliable3 clients: each loops on a random key, appending half the time, putting
 * one time in twenty and reading otherwise. Every operation is recorded by the clerks for the
 * linearizability checker.
 */
final class RandomClients {
    private final ShardKvSim cluster;
    private final List<String> keys;
    private final List<ShardKvSim.Clerk> clerks = new ArrayList<>();
    private final SplittableRandom random;
    private boolean running;

    RandomClients(ShardKvSim cluster, List<String> keys, int count, SplittableRandom random) {
        this.cluster = cluster;
        this.keys = keys;
        this.random = random;
        for (int i = 0; i < count; i++) {
            clerks.add(cluster.clerk());
        }
    }

    void start() {
        running = true;
        clerks.forEach(this::next);
    }

    void stop() {
        running = false;
        cluster.runUntil(
                () -> clerks.stream().noneMatch(ShardKvSim.Clerk::busy),
                600_000,
                "clients finishing");
    }

    private void next(ShardKvSim.Clerk clerk) {
        if (!running) {
            return;
        }
        byte[] key = ShardKvLabTest.bytes(keys.get(random.nextInt(keys.size())));
        byte[] value = ShardKvLabTest.bytes(ShardKvLabTest.randomString(random, 5));
        double dice = random.nextDouble();
        KvOp op =
                dice < 0.5
                        ? new KvOp.Append(key, value)
                        : dice < 0.55 ? new KvOp.Put(key, value) : new KvOp.Get(key);
        clerk.submit(op, result -> next(clerk));
    }
}
