package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ReadIndexQueueTest {
    private static final NodeId LEADER = NodeId.of(1);
    private static final NodeId N2 = NodeId.of(2);
    private static final NodeId N3 = NodeId.of(3);
    private static final NodeId N4 = NodeId.of(4);

    @Test
    void readsAddedBetweenReadysShareOneBatch() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        reads.add(102);
        reads.add(103);
        assertThat(reads.pendingCount()).isEqualTo(3);
        assertThat(reads.hasUnsent()).isTrue();

        long context = reads.sendBatch(7, LEADER);

        assertThat(reads.hasUnsent()).isFalse();
        assertThat(reads.pendingCount()).as("sent is still pending").isEqualTo(3);
        assertThat(reads.acknowledge(N2, context, 2))
                .containsExactly(read(101, 7), read(102, 7), read(103, 7));
        assertThat(reads.pendingCount()).isZero();
    }

    @Test
    void batchIsHeldUntilAQuorumAcknowledges() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long context = reads.sendBatch(7, LEADER);

        assertThat(reads.acknowledge(N2, context, 3)).as("leader and n2 of five").isEmpty();
        assertThat(reads.acknowledge(N3, context, 3)).containsExactly(read(101, 7));
    }

    @Test
    void repeatedAcksFromOneVoterCountOnce() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long context = reads.sendBatch(7, LEADER);

        assertThat(reads.acknowledge(N2, context, 3)).isEmpty();
        assertThat(reads.acknowledge(N2, context, 3)).isEmpty();
        assertThat(reads.acknowledge(LEADER, context, 3))
                .as("the leader already counts itself")
                .isEmpty();
        assertThat(reads.pendingCount()).isEqualTo(1);
    }

    @Test
    void eachBatchGetsAFreshContext() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long first = reads.sendBatch(7, LEADER);
        reads.add(102);

        long second = reads.sendBatch(8, LEADER);

        assertThat(second).isGreaterThan(first);
        assertThat(first).as("context 0 means no read").isPositive();
    }

    @Test
    void ackForALaterContextConfirmsEarlierBatchesInOrder() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        reads.sendBatch(5, LEADER);
        reads.add(102);
        reads.add(103);
        long second = reads.sendBatch(6, LEADER);

        assertThat(reads.acknowledge(N2, second, 2))
                .containsExactly(read(101, 5), read(102, 6), read(103, 6));
    }

    @Test
    void ackForAnEarlierContextLeavesLaterBatchesWaiting() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long first = reads.sendBatch(5, LEADER);
        reads.add(102);
        long second = reads.sendBatch(6, LEADER);

        assertThat(reads.acknowledge(N2, first, 2)).containsExactly(read(101, 5));
        assertThat(reads.pendingCount()).isEqualTo(1);
        assertThat(reads.acknowledge(N3, second, 2)).containsExactly(read(102, 6));
    }

    @Test
    void acksSpreadOverBatchesReleaseEachWhenItReachesItsQuorum() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long first = reads.sendBatch(5, LEADER);
        reads.add(102);
        long second = reads.sendBatch(6, LEADER);

        assertThat(reads.acknowledge(N2, first, 3)).isEmpty();
        assertThat(reads.acknowledge(N3, second, 3))
                .as("n3 completes the first batch only")
                .containsExactly(read(101, 5));
        assertThat(reads.acknowledge(N4, second, 3)).containsExactly(read(102, 6));
    }

    @Test
    void contextZeroIsNoReadAcknowledgement() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        reads.sendBatch(5, LEADER);

        assertThat(reads.acknowledge(N2, 0, 2)).isEmpty();
        assertThat(reads.pendingCount()).isEqualTo(1);
    }

    @Test
    void ackFromTheFutureConfirmsEverySentBatch() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long context = reads.sendBatch(5, LEADER);

        assertThat(reads.acknowledge(N2, context + 10, 2)).containsExactly(read(101, 5));
    }

    @Test
    void unsentReadsWaitForTheirBatch() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long context = reads.sendBatch(5, LEADER);
        reads.add(102);

        assertThat(reads.acknowledge(N2, context, 2)).containsExactly(read(101, 5));
        assertThat(reads.hasUnsent()).isTrue();
        assertThat(reads.pendingCount()).isEqualTo(1);
    }

    @Test
    void singleVoterReleasesUnsentReadsAtOnce() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        reads.add(102);

        assertThat(reads.releaseUnsent(9)).containsExactly(read(101, 9), read(102, 9));
        assertThat(reads.pendingCount()).isZero();
        assertThat(reads.hasUnsent()).isFalse();
    }

    @Test
    void clearForgetsUnsentAndSentReads() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long context = reads.sendBatch(5, LEADER);
        reads.add(102);

        reads.clear();

        assertThat(reads.pendingCount()).isZero();
        assertThat(reads.hasUnsent()).isFalse();
        assertThat(reads.acknowledge(N2, context, 2)).isEmpty();
    }

    @Test
    void contextsAreNotReusedAfterAClear() {
        ReadIndexQueue reads = new ReadIndexQueue();
        reads.add(101);
        long before = reads.sendBatch(5, LEADER);
        reads.clear();
        reads.add(102);

        long after = reads.sendBatch(6, LEADER);

        assertThat(after).as("an old answer must not confirm a new batch").isGreaterThan(before);
        assertThat(reads.acknowledge(N2, before, 2)).isEmpty();
    }

    @Test
    void sendingAnEmptyBatchThrows() {
        ReadIndexQueue reads = new ReadIndexQueue();

        assertThatThrownBy(() -> reads.sendBatch(5, LEADER))
                .isInstanceOf(IllegalStateException.class);
    }

    /**
     * Random interleavings for 1 to 7 voters: every read is released once, in arrival order, at its
     * batch's read index, and only when a quorum (the leader plus followers that answered that
     * context or a later one) confirmed its batch. A single voter releases without a batch.
     */
    @Test
    void randomInterleavingsReleaseEveryReadOnceInOrderAfterAQuorum() {
        SeededCases.forEachSeed(
                130_000,
                2_000,
                (seed, random) -> {
                    ReadModel model = new ReadModel(random.nextInt(1, 8));
                    for (int step = 0; step < 80; step++) {
                        String context =
                                "seed %d step %d, %d voters".formatted(seed, step, model.voters);
                        int choice = random.nextInt(3);
                        if (choice == 0) {
                            model.add();
                        } else if (choice == 1 && model.reads.hasUnsent()) {
                            model.send(random.nextInt(3));
                        } else if (model.voters > 1 && !model.sentContexts.isEmpty()) {
                            int follower = random.nextInt(2, model.voters + 1);
                            long acked =
                                    random.nextLong(
                                            model.sentContexts.first(),
                                            model.sentContexts.last() + 1);
                            model.acknowledge(follower, acked);
                        }
                        model.check(context);
                    }
                    model.everyFollowerAnswersTheLastContext();
                    assertThat(model.released.size() + model.unsent.size())
                            .as("seed %d: every sent read is released once all answer", seed)
                            .isEqualTo(model.added);
                });
    }

    /** Drives a queue and records what a correct one must have released. */
    private static final class ReadModel {
        final int voters;
        final int quorum;
        final ReadIndexQueue reads = new ReadIndexQueue();
        final TreeSet<Long> sentContexts = new TreeSet<>();
        final TreeMap<Long, Long> contextOfRead = new TreeMap<>();
        final TreeMap<Long, Long> readIndexOfRead = new TreeMap<>();
        final TreeMap<Integer, Long> highestAck = new TreeMap<>();
        final List<Long> unsent = new ArrayList<>();
        final List<ReadState> released = new ArrayList<>();
        long added;
        long commitIndex;

        ReadModel(int voters) {
            this.voters = voters;
            this.quorum = voters / 2 + 1;
        }

        void add() {
            added++;
            reads.add(added);
            unsent.add(added);
        }

        void send(int newlyCommitted) {
            commitIndex += newlyCommitted;
            unsent.forEach(request -> readIndexOfRead.put(request, commitIndex));
            if (voters == 1) {
                released.addAll(reads.releaseUnsent(commitIndex));
            } else {
                long sent = reads.sendBatch(commitIndex, LEADER);
                sentContexts.add(sent);
                unsent.forEach(request -> contextOfRead.put(request, sent));
            }
            unsent.clear();
        }

        void acknowledge(int follower, long context) {
            highestAck.merge(follower, context, Math::max);
            released.addAll(reads.acknowledge(NodeId.of(follower), context, quorum));
        }

        void everyFollowerAnswersTheLastContext() {
            if (!sentContexts.isEmpty()) {
                for (int follower = 2; follower <= voters; follower++) {
                    acknowledge(follower, sentContexts.last());
                }
            }
        }

        void check(String context) {
            for (int position = 0; position < released.size(); position++) {
                ReadState read = released.get(position);
                assertThat(read.requestId())
                        .as("%s: release order", context)
                        .isEqualTo(position + 1L);
                assertThat(read.readIndex())
                        .as("%s: read index of %s", context, read)
                        .isEqualTo(readIndexOfRead.get(read.requestId()));
                if (voters > 1) {
                    long batch = contextOfRead.get(read.requestId());
                    long confirmations =
                            1
                                    + highestAck.values().stream()
                                            .filter(acked -> acked >= batch)
                                            .count();
                    assertThat(confirmations)
                            .as("%s: confirmations of %s", context, read)
                            .isGreaterThanOrEqualTo(quorum);
                }
            }
            assertThat(reads.pendingCount())
                    .as("%s: pending", context)
                    .isEqualTo(added - released.size());
        }
    }

    private static ReadState read(long requestId, long readIndex) {
        return new ReadState(requestId, readIndex);
    }
}
