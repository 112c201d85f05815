package io.raftkv.shardkv.sharded;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lab's concurrent appenders: clerk {@code i} appends random tokens to key {@code i} in a loop,
 * pausing {@code pauseMillis} between appends, and remembers what the key must hold.
 */
final class Appenders {
    private final ShardKvSim cluster;
    private final List<String> keys;
    private final List<ShardKvSim.Clerk> clerks = new ArrayList<>();
    private final List<StringBuilder> expected = new ArrayList<>();
    private final SplittableRandom random;
    private final int tokenLength;
    private final long pauseMillis;
    private boolean running;

    /**
     * @param initial what each key holds before the appends
     */
    Appenders(
            ShardKvSim cluster,
            List<String> keys,
            List<String> initial,
            int tokenLength,
            long pauseMillis,
            SplittableRandom random) {
        this.cluster = cluster;
        this.keys = keys;
        this.tokenLength = tokenLength;
        this.pauseMillis = pauseMillis;
        this.random = random;
        for (int i = 0; i < keys.size(); i++) {
            clerks.add(cluster.clerk());
            expected.add(new StringBuilder(initial.get(i)));
        }
    }

    void start() {
        running = true;
        for (int i = 0; i < keys.size(); i++) {
            next(i);
        }
    }

    /** Stops after the appends under way, and waits for them. */
    void stop() {
        running = false;
        cluster.runUntil(
                () -> clerks.stream().noneMatch(ShardKvSim.Clerk::busy),
                600_000,
                "appenders finishing");
    }

    String expected(int i) {
        return expected.get(i).toString();
    }

    private void next(int i) {
        if (!running) {
            return;
        }
        String token = ShardKvLabTest.randomString(random, tokenLength);
        clerks.get(i)
                .submit(
                        new KvOp.Append(
                                ShardKvLabTest.bytes(keys.get(i)), ShardKvLabTest.bytes(token)),
                        result -> {
                            assertThat(result)
                                    .as("append to %s", keys.get(i))
                                    .isEqualTo(new KvResult.Ok());
                            expected.get(i).append(token);
                            cluster.sim().scheduler().schedule(pauseMillis, () -> next(i));
                        });
    }
}
