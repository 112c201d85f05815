package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.raft.core.Progress.State;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProgressTest {

    // ------------------------------------------------------------------ PROBE

    @Test
    void newProgressProbesFromItsNextIndex() {
        Progress progress = progress(10);

        assertThat(progress.state()).isEqualTo(State.PROBE);
        assertThat(progress.match()).isZero();
        assertThat(progress.next()).isEqualTo(10);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void probeSendsOneAppendThenPausesUntilTheFollowerAnswers() {
        Progress progress = progress(10);

        progress.sentEntries(12, 100);

        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.next()).as("a probe does not advance next").isEqualTo(10);
        assertThat(progress.inflights().count()).isZero();
        progress.resumeProbe();
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void acknowledgementRaisesMatchAndNextAndUnpausesAProbe() {
        Progress progress = progress(10);
        progress.sentEntries(12, 100);

        assertThat(progress.maybeUpdate(12)).isTrue();

        assertThat(progress.match()).isEqualTo(12);
        assertThat(progress.next()).isEqualTo(13);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void staleAcknowledgementLowersNeitherMatchNorNext() {
        Progress progress = progress(10);
        progress.maybeUpdate(8);

        assertThat(progress.maybeUpdate(5)).isFalse();
        assertThat(progress.maybeUpdate(8)).as("a duplicate is stale too").isFalse();

        assertThat(progress.match()).isEqualTo(8);
        assertThat(progress.next()).isEqualTo(10);
    }

    @Test
    void rejectionInProbeMustAnswerTheLastProbe() {
        Progress progress = progress(10);
        progress.sentEntries(10, 24);

        assertThat(progress.maybeDecreaseTo(8, 3)).as("answers an older probe").isFalse();
        assertThat(progress.next()).isEqualTo(10);
        assertThat(progress.isPaused()).isTrue();

        assertThat(progress.maybeDecreaseTo(9, 4)).isTrue();
        assertThat(progress.next()).isEqualTo(4);
        assertThat(progress.isPaused()).as("free to send the next probe").isFalse();
    }

    @Test
    void rejectionHintAboveTheRejectedIndexIsCappedAtIt() {
        Progress progress = progress(10);

        assertThat(progress.maybeDecreaseTo(9, 50)).isTrue();

        assertThat(progress.next()).isEqualTo(9);
    }

    @Test
    void rejectionNeverMovesNextToOrBelowMatch() {
        Progress progress = progress(10);
        progress.maybeUpdate(5);

        assertThat(progress.maybeDecreaseTo(9, 2)).isTrue();

        assertThat(progress.next()).isEqualTo(6);
    }

    // ------------------------------------------------------------------ REPLICATE

    @Test
    void becomingReplicateResumesJustAfterMatch() {
        Progress progress = progress(10);
        progress.maybeUpdate(5);

        progress.becomeReplicate();

        assertThat(progress.state()).isEqualTo(State.REPLICATE);
        assertThat(progress.next()).isEqualTo(6);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void replicatePipelinesAppendsUntilTheInflightsAreFull() {
        Progress progress = replicatingAfter(5);

        progress.sentEntries(7, 10);
        progress.sentEntries(8, 10);
        assertThat(progress.isPaused()).isFalse();
        progress.sentEntries(9, 10);

        assertThat(progress.next()).isEqualTo(10);
        assertThat(progress.inflights().count()).isEqualTo(3);
        assertThat(progress.isPaused()).as("three appends is the limit").isTrue();
        progress.inflights().freeTo(7);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void replicatePausesWhenTheInflightBytesReachTheLimit() {
        Progress progress = replicatingAfter(5);

        progress.sentEntries(6, 1_000);

        assertThat(progress.isPaused()).isTrue();
    }

    @Test
    void emptyAppendInReplicateRecordsNoFlight() {
        Progress progress = replicatingAfter(5);

        progress.sentEntries(5, 0);

        assertThat(progress.inflights().count()).isZero();
        assertThat(progress.next()).isEqualTo(6);
    }

    @Test
    void acknowledgementNeverMovesNextBack() {
        Progress progress = replicatingAfter(5);
        progress.sentEntries(9, 10);

        assertThat(progress.maybeUpdate(7)).isTrue();

        assertThat(progress.match()).isEqualTo(7);
        assertThat(progress.next()).as("entries up to 9 are still in flight").isEqualTo(10);
    }

    @Test
    void rejectionAboveMatchInReplicateIsAccepted() {
        Progress progress = replicatingAfter(5);
        progress.sentEntries(9, 10);

        assertThat(progress.maybeDecreaseTo(8, 7)).isTrue();

        assertThat(progress.next()).isEqualTo(7);
    }

    @Test
    void staleRejectionInReplicateIsIgnored() {
        Progress progress = replicatingAfter(5);
        progress.sentEntries(9, 10);

        assertThat(progress.maybeDecreaseTo(5, 2)).isFalse();
        assertThat(progress.maybeDecreaseTo(3, 2)).isFalse();

        assertThat(progress.next()).isEqualTo(10);
        assertThat(progress.inflights().count()).isEqualTo(1);
    }

    @Test
    void fallingBackToProbeResumesAfterMatchAndForgetsTheInflights() {
        Progress progress = replicatingAfter(5);
        progress.sentEntries(7, 10);
        progress.sentEntries(9, 10);

        progress.becomeProbe();

        assertThat(progress.state()).isEqualTo(State.PROBE);
        assertThat(progress.next()).isEqualTo(6);
        assertThat(progress.inflights().count()).isZero();
        assertThat(progress.inflights().bytes()).isZero();
        assertThat(progress.isPaused()).isFalse();
    }

    // ------------------------------------------------------------------ SNAPSHOT

    @Test
    void snapshotStateIsAlwaysPausedAndForgetsTheInflights() {
        Progress progress = replicatingAfter(5);
        progress.sentEntries(7, 10);

        progress.becomeSnapshot(20);

        assertThat(progress.state()).isEqualTo(State.SNAPSHOT);
        assertThat(progress.snapshotIndex()).isEqualTo(20);
        assertThat(progress.isPaused()).isTrue();
        assertThat(progress.inflights().count()).isZero();
        progress.resumeProbe();
        assertThat(progress.isPaused()).as("heartbeat answers do not unpause it").isTrue();
    }

    @Test
    void sendingEntriesWhileSendingASnapshotThrows() {
        Progress progress = progress(10);
        progress.becomeSnapshot(20);

        assertThatThrownBy(() -> progress.sentEntries(21, 10))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void becomingSnapshotRestartsTheChunkOffset() {
        Progress progress = progress(10);
        progress.becomeSnapshot(20);
        progress.snapshotOffset(4_096);

        progress.becomeSnapshot(30);

        assertThat(progress.snapshotOffset()).isZero();
        assertThat(progress.snapshotIndex()).isEqualTo(30);
    }

    @Test
    void leavingSnapshotResumesAfterTheSnapshot() {
        Progress progress = progress(10);
        progress.maybeUpdate(5);
        progress.becomeSnapshot(20);

        progress.becomeProbe();

        assertThat(progress.state()).isEqualTo(State.PROBE);
        assertThat(progress.next()).isEqualTo(21);
        assertThat(progress.isPaused()).isFalse();
    }

    @Test
    void leavingSnapshotResumesAfterMatchIfTheFollowerIsFurther() {
        Progress progress = progress(10);
        progress.becomeSnapshot(20);
        progress.maybeUpdate(25);

        progress.becomeProbe();

        assertThat(progress.next()).isEqualTo(26);
    }

    // ------------------------------------------------------------------ property

    @Test
    void randomEventsKeepMatchBelowNextAndPauseAsDocumented() {
        SeededCases.forEachSeed(
                120_000,
                2_000,
                (seed, random) -> {
                    Progress progress = progress(random.nextLong(1, 20));
                    ProbeModel model = new ProbeModel();
                    long leaderLastIndex = progress.next() + 20;
                    for (int step = 0; step < 60; step++) {
                        long matchBefore = progress.match();
                        String event = randomEvent(progress, model, leaderLastIndex, random);
                        String context =
                                "seed %d step %d %s: %s".formatted(seed, step, event, progress);
                        assertThat(progress.match()).as(context).isLessThan(progress.next());
                        assertThat(progress.match())
                                .as(context)
                                .isGreaterThanOrEqualTo(matchBefore);
                        assertThat(progress.isPaused())
                                .as(context)
                                .isEqualTo(model.expectedPaused(progress));
                        if (progress.state() != State.REPLICATE) {
                            assertThat(progress.inflights().count()).as(context).isZero();
                        }
                        leaderLastIndex += random.nextInt(2);
                    }
                });
    }

    /**
     * Whether a probe is out, following the class comment: a probe pauses until the follower
     * answers it (an acknowledgement that raises match, an accepted rejection, or a heartbeat
     * answer), and every state change starts unpaused.
     */
    private static final class ProbeModel {
        boolean probeOut;

        boolean expectedPaused(Progress progress) {
            return switch (progress.state()) {
                case PROBE -> probeOut;
                case REPLICATE -> progress.inflights().isFull();
                case SNAPSHOT -> true;
            };
        }
    }

    private static String randomEvent(
            Progress progress, ProbeModel model, long leaderLastIndex, SplittableRandom random) {
        switch (random.nextInt(7)) {
            case 0 -> {
                long index = random.nextLong(0, leaderLastIndex + 1);
                if (progress.maybeUpdate(index)) {
                    progress.inflights().freeTo(index);
                    model.probeOut = false;
                }
                return "maybeUpdate " + index;
            }
            case 1 -> {
                long rejected = random.nextLong(0, leaderLastIndex + 1);
                long hint = random.nextLong(1, leaderLastIndex + 2);
                if (progress.maybeDecreaseTo(rejected, hint)) {
                    model.probeOut = false;
                    if (progress.state() == State.REPLICATE) {
                        progress.becomeProbe(); // the diagram's REPLICATE -> PROBE edge
                    }
                }
                return "maybeDecreaseTo %d %d".formatted(rejected, hint);
            }
            case 2 -> {
                if (progress.isPaused() || progress.next() > leaderLastIndex) {
                    return "nothing to send";
                }
                long last = random.nextLong(progress.next() - 1, leaderLastIndex + 1);
                progress.sentEntries(last, random.nextLong(0, 40));
                model.probeOut = progress.state() == State.PROBE;
                return "sentEntries " + last;
            }
            case 3 -> {
                progress.becomeProbe();
                model.probeOut = false;
                return "becomeProbe";
            }
            case 4 -> {
                progress.becomeReplicate();
                model.probeOut = false;
                return "becomeReplicate";
            }
            case 5 -> {
                long index = random.nextLong(0, leaderLastIndex + 1);
                progress.becomeSnapshot(index);
                return "becomeSnapshot " + index;
            }
            default -> {
                progress.resumeProbe();
                model.probeOut = false;
                return "resumeProbe";
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Three appends or 100 bytes in flight at most. */
    private static Progress progress(long next) {
        return new Progress(next, new Inflights(3, 100));
    }

    private static Progress replicatingAfter(long match) {
        Progress progress = progress(match + 1);
        progress.maybeUpdate(match);
        progress.becomeReplicate();
        return progress;
    }
}
