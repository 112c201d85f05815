package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static io.raftkv.shardkv.kv.KvRaftLabTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lab's GenericTest clients: client {@code i} appends {@code "x i j y"} to key {@code i} (or
 * random keys), reads it back and checks it sees its own appends; they run concurrently on virtual
 * time until stopped.
 */
final class GenericLoad {
    private final KvGroupSim cluster;
    private final boolean randomKeys;
    private final SplittableRandom random;
    private final List<KvGroupSim.Clerk> clerks = new ArrayList<>();
    private final int[] appends;
    private final String[] last;
    private boolean stopped;

    GenericLoad(KvGroupSim cluster, int clients, boolean randomKeys, SplittableRandom random) {
        this.cluster = cluster;
        this.randomKeys = randomKeys;
        this.random = random;
        this.appends = new int[clients];
        this.last = new String[clients];
        for (int i = 0; i < clients; i++) {
            clerks.add(cluster.clerk());
            last[i] = "";
        }
    }

    void start() {
        for (int client = 0; client < clerks.size(); client++) {
            int me = client;
            if (randomKeys) {
                next(me);
            } else {
                clerks.get(me)
                        .submit(
                                new KvOp.Put(bytes(Integer.toString(me)), bytes("")),
                                result -> next(me));
            }
        }
    }

    void stop() {
        stopped = true;
    }

    boolean idle() {
        return clerks.stream().noneMatch(KvGroupSim.Clerk::busy);
    }

    private void next(int me) {
        if (stopped) {
            return;
        }
        String key = Integer.toString(randomKeys ? random.nextInt(clerks.size()) : me);
        String value = "x %d %d y".formatted(me, appends[me]);
        KvGroupSim.Clerk clerk = clerks.get(me);
        if (random.nextBoolean()) {
            appends[me]++;
            if (!randomKeys) {
                last[me] += value;
            }
            clerk.submit(new KvOp.Append(bytes(key), bytes(value)), result -> next(me));
        } else if (randomKeys && random.nextInt(10) == 0) {
            appends[me]++;
            clerk.submit(new KvOp.Put(bytes(key), bytes(value)), result -> next(me));
        } else {
            clerk.submit(
                    new KvOp.Get(bytes(key)),
                    result -> {
                        if (!randomKeys) {
                            assertThat(text(((KvResult.Value) result).value()))
                                    .as("client %d read its own appends", me)
                                    .isEqualTo(last[me]);
                        }
                        next(me);
                    });
        }
    }

    /** The lab's checkClntAppends: each of the client's appends once, in order. */
    void checkAppends(int client, String value) {
        int lastOffset = -1;
        for (int j = 0; j < appends[client]; j++) {
            String wanted = "x %d %d y".formatted(client, j);
            int offset = value.indexOf(wanted);
            assertThat(offset)
                    .as("missing element %s in Append result %s", wanted, value)
                    .isGreaterThanOrEqualTo(0);
            assertThat(value.indexOf(wanted, offset + 1))
                    .as("duplicate element %s", wanted)
                    .isEqualTo(-1);
            assertThat(offset).as("wrong order for element %s", wanted).isGreaterThan(lastOffset);
            lastOffset = offset;
        }
    }
}
