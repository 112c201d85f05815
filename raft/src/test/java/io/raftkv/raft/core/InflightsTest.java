package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import org.junit.jupiter.api.Test;

class InflightsTest {

    @Test
    void newInflightsAreEmptyAndNotFull() {
        Inflights inflights = new Inflights(3, 100);

        assertThat(inflights.count()).isZero();
        assertThat(inflights.bytes()).isZero();
        assertThat(inflights.isFull()).isFalse();
    }

    @Test
    void inflightsAreFullAtTheCountLimit() {
        Inflights inflights = new Inflights(3, 1_000);
        inflights.add(1, 10);
        inflights.add(2, 10);
        assertThat(inflights.isFull()).isFalse();

        inflights.add(3, 10);

        assertThat(inflights.isFull()).isTrue();
        assertThat(inflights.count()).isEqualTo(3);
    }

    @Test
    void inflightsAreFullAtTheByteLimit() {
        Inflights inflights = new Inflights(10, 100);
        inflights.add(1, 60);
        assertThat(inflights.isFull()).isFalse();

        inflights.add(2, 40);

        assertThat(inflights.isFull()).isTrue();
        assertThat(inflights.bytes()).isEqualTo(100);
    }

    @Test
    void oneAppendMayOvershootTheByteLimitButNothingFollowsIt() {
        Inflights inflights = new Inflights(10, 100);

        inflights.add(1, 500);

        assertThat(inflights.bytes()).isEqualTo(500);
        assertThat(inflights.isFull()).isTrue();
        assertThatThrownBy(() -> inflights.add(2, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addingToFullInflightsThrows() {
        Inflights inflights = new Inflights(1, 100);
        inflights.add(1, 10);

        assertThatThrownBy(() -> inflights.add(2, 10)).isInstanceOf(IllegalStateException.class);
        assertThat(inflights.count()).isEqualTo(1);
    }

    @Test
    void appendsMustEndAtIncreasingIndexes() {
        Inflights inflights = new Inflights(10, 1_000);
        inflights.add(5, 10);

        assertThatThrownBy(() -> inflights.add(5, 10)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> inflights.add(4, 10)).isInstanceOf(IllegalStateException.class);
        assertThat(inflights.count()).isEqualTo(1);
    }

    @Test
    void freeToForgetsEveryAppendEndingAtOrBeforeTheIndex() {
        Inflights inflights = filled(new Inflights(10, 1_000));

        inflights.freeTo(6);

        assertThat(inflights.count()).isEqualTo(1);
        assertThat(inflights.bytes()).isEqualTo(30);
    }

    @Test
    void freeToInsideAnAppendKeepsIt() {
        Inflights inflights = filled(new Inflights(10, 1_000));

        inflights.freeTo(5);

        assertThat(inflights.count())
                .as("the append ending at 6 is only partly acked")
                .isEqualTo(2);
        assertThat(inflights.bytes()).isEqualTo(50);
    }

    @Test
    void freeToBeforeEveryAppendChangesNothing() {
        Inflights inflights = filled(new Inflights(10, 1_000));

        inflights.freeTo(2);

        assertThat(inflights.count()).isEqualTo(3);
        assertThat(inflights.bytes()).isEqualTo(60);
    }

    @Test
    void freeingMakesFullInflightsAcceptAgain() {
        Inflights inflights = filled(new Inflights(3, 1_000));
        assertThat(inflights.isFull()).isTrue();

        inflights.freeTo(3);

        assertThat(inflights.isFull()).isFalse();
        inflights.add(10, 5);
        assertThat(inflights.count()).isEqualTo(3);
    }

    @Test
    void clearForgetsEveryAppend() {
        Inflights inflights = filled(new Inflights(3, 1_000));

        inflights.clear();

        assertThat(inflights.count()).isZero();
        assertThat(inflights.bytes()).isZero();
        assertThat(inflights.isFull()).isFalse();
        inflights.add(1, 5);
        assertThat(inflights.count()).as("any index may follow a clear").isEqualTo(1);
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> new Inflights(0, 100))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Inflights(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private record Flight(long lastIndex, long bytes) {}

    @Test
    void randomAddsAndFreesStayWithinTheBoundsAndMatchAQueue() {
        SeededCases.forEachSeed(
                110_000,
                2_000,
                (seed, random) -> {
                    int countMax = random.nextInt(1, 6);
                    long bytesMax = random.nextLong(1, 300);
                    Inflights inflights = new Inflights(countMax, bytesMax);
                    ArrayDeque<Flight> model = new ArrayDeque<>();
                    long lastIndex = 0;
                    long acked = 0;
                    for (int step = 0; step < 50; step++) {
                        String context = "seed %d step %d".formatted(seed, step);
                        if (random.nextBoolean() && !inflights.isFull()) {
                            lastIndex += random.nextInt(1, 4);
                            long bytes = random.nextLong(0, 120);
                            assertThat(modelBytes(model))
                                    .as("%s: bytes before an add", context)
                                    .isLessThan(bytesMax);
                            inflights.add(lastIndex, bytes);
                            model.addLast(new Flight(lastIndex, bytes));
                        } else {
                            acked = random.nextLong(acked, lastIndex + 1);
                            inflights.freeTo(acked);
                            final long ackedIndex = acked;
                            model.removeIf(flight -> flight.lastIndex() <= ackedIndex);
                        }
                        assertThat(inflights.count())
                                .as("%s: count", context)
                                .isEqualTo(model.size())
                                .isLessThanOrEqualTo(countMax);
                        assertThat(inflights.bytes())
                                .as("%s: bytes", context)
                                .isEqualTo(modelBytes(model));
                        assertThat(inflights.isFull())
                                .as("%s: full", context)
                                .isEqualTo(
                                        model.size() >= countMax || modelBytes(model) >= bytesMax);
                    }
                });
    }

    private static long modelBytes(ArrayDeque<Flight> model) {
        return model.stream().mapToLong(Flight::bytes).sum();
    }

    /** Appends ending at 3, 6 and 9, of 10, 20 and 30 bytes. */
    private static Inflights filled(Inflights inflights) {
        inflights.add(3, 10);
        inflights.add(6, 20);
        inflights.add(9, 30);
        return inflights;
    }
}
