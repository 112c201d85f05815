package io.raftkv.raft.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Fuzzes one decoder: each case's input comes from its own seed ({@link FuzzInputs}), and the case
 * passes if the decoder either refuses it with one of its documented exceptions or decodes it, and
 * then re-encoding is stable: the bytes of a second round trip equal the first's (and a valid
 * encoding re-encodes to itself), or for types whose encoding is not canonical (sets and maps
 * iterate in an order of their own) the value decoded again equals the value field by field. Either
 * way it must not allocate more than {@code allocationPerInputByte} times the input plus {@link
 * #ALLOCATION_BYTES_BASE}: a tiny input that declares a huge length must be refused before the
 * allocation, not after. An {@link Error} (out of memory, stack overflow), any other exception, a
 * case slower than {@link #CASE_MILLIS_MAX} or a hang fails the run with the case's number and
 * seed.
 *
 * <p>{@code -Dfuzz.cases=N} runs N cases (seeds {@code base} to {@code base + N - 1}, or from
 * {@code -Dfuzz.base=B}); {@code -Dfuzz.seed=S} replays the one case with seed S.
 *
 * @param name what is fuzzed, for messages
 * @param corpus valid encodings, made by the real encoders, for mutations to start from
 * @param lengths how the format writes lengths, for setting them to extremes
 * @param decoder the decoder under test
 * @param encoder re-encodes what was decoded; null where the decoder has no inverse
 * @param comparesValues whether re-encoding is checked by value equality rather than by bytes
 * @param refusals the exceptions the decoder documents for malformed input
 * @param allocationPerInputByte bytes the decoder may allocate per input byte
 */
public record DecoderFuzz<T>(
        String name,
        List<byte[]> corpus,
        DecoderFuzz.LengthCoding lengths,
        DecoderFuzz.Decoder<T> decoder,
        Function<T, byte[]> encoder,
        boolean comparesValues,
        List<Class<? extends Exception>> refusals,
        int allocationPerInputByte) {
    /** How a format writes lengths and counts, so extremes can be written in its own form. */
    public enum LengthCoding {
        /** {@code i32} big-endian (DataOutputStream, ByteBuffer). */
        BIG_ENDIAN_INT,
        /** Kryo's varint: 7 bits a byte, low group first, high bit set while more follow. */
        VARINT
    }

    /** Decodes bytes, or refuses them by throwing. */
    @FunctionalInterface
    public interface Decoder<T> {
        T decode(byte[] bytes) throws Exception;
    }

    /** What any decode may allocate besides its per-byte share: exceptions, messages, buffers. */
    public static final long ALLOCATION_BYTES_BASE = 64 << 10;

    public static final long CASE_MILLIS_MAX = 2_000;

    private static final int WARM_UP_ROUNDS = 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A target that refuses with {@link IllegalArgumentException} and has no encoder yet. */
    public static <T> DecoderFuzz<T> of(
            String name, List<byte[]> corpus, LengthCoding lengths, Decoder<T> decoder) {
        return new DecoderFuzz<>(
                name,
                corpus,
                lengths,
                decoder,
                null,
                false,
                List.of(IllegalArgumentException.class),
                16);
    }

    /** Checks that re-encoding what was decoded gives the same bytes again. */
    public DecoderFuzz<T> reencodedBy(Function<T, byte[]> newEncoder) {
        return new DecoderFuzz<>(
                name,
                corpus,
                lengths,
                decoder,
                newEncoder,
                false,
                refusals,
                allocationPerInputByte);
    }

    /** Checks that what was decoded, encoded and decoded again, is equal to itself. */
    public DecoderFuzz<T> roundTripsEqualBy(Function<T, byte[]> newEncoder) {
        return new DecoderFuzz<>(
                name, corpus, lengths, decoder, newEncoder, true, refusals, allocationPerInputByte);
    }

    @SafeVarargs
    public final DecoderFuzz<T> refusingWith(Class<? extends Exception>... exceptions) {
        return new DecoderFuzz<>(
                name,
                corpus,
                lengths,
                decoder,
                encoder,
                comparesValues,
                List.of(exceptions),
                allocationPerInputByte);
    }

    public DecoderFuzz<T> allocatingPerInputByte(int bytes) {
        return new DecoderFuzz<>(
                name, corpus, lengths, decoder, encoder, comparesValues, refusals, bytes);
    }

    /**
     * Runs {@code defaultCases} cases from seed {@code base} (or what the {@code fuzz.*} properties
     * say) and returns how many ran. Throws {@link AssertionError} naming the first failing case.
     */
    public int run(long base, int defaultCases) {
        String replay = System.getProperty("fuzz.seed");
        boolean replaying = replay != null && !replay.isBlank();
        long first = replaying ? Long.parseLong(replay.trim()) : Long.getLong("fuzz.base", base);
        int cases = replaying ? 1 : Integer.getInteger("fuzz.cases", defaultCases);
        long[] current = {first};
        Outcome<?>[] costliest = {null};
        long startNanos = System.nanoTime();
        assertTimeoutPreemptively(
                Duration.ofMillis(60_000 + cases * 10L),
                () -> {
                    warmUp();
                    for (long seed = first; seed < first + cases; seed++) {
                        current[0] = seed;
                        Outcome<T> outcome = runCase(seed, seed - base);
                        if (costliest[0] == null
                                || outcome.allocatedBytes() > costliest[0].allocatedBytes()) {
                            costliest[0] = outcome;
                        }
                    }
                },
                () ->
                        "fuzz of %s hung at case %d, seed %d (replay: -Dfuzz.seed=%d)"
                                .formatted(name, current[0] - base, current[0], current[0]));
        System.out.printf(
                "fuzz %s: %d cases in %d ms; most allocated: %d bytes decoding %d%n",
                name,
                cases,
                (System.nanoTime() - startNanos) / 1_000_000,
                costliest[0].allocatedBytes(),
                costliest[0].inputBytes());
        return cases;
    }

    /** Decodes each valid encoding a few times, so that lazy caches and the JIT settle. */
    private void warmUp() throws Exception {
        for (int round = 0; round < WARM_UP_ROUNDS; round++) {
            for (byte[] valid : corpus) {
                T value = decoder.decode(valid);
                if (encoder != null) {
                    encoder.apply(value);
                }
            }
        }
    }

    private Outcome<T> runCase(long seed, long caseNumber) {
        FuzzInputs.Input input = FuzzInputs.next(new SplittableRandom(seed), corpus, lengths);
        try {
            return checkCase(input);
        } catch (Throwable failure) {
            throw new AssertionError(
                    "fuzz of %s failed at case %d, seed %d (replay: -Dfuzz.seed=%d), input %s of %d bytes: %s"
                            .formatted(
                                    name,
                                    caseNumber,
                                    seed,
                                    seed,
                                    input.how(),
                                    input.bytes().length,
                                    failure),
                    failure);
        }
    }

    /** Checks one case and returns its decode's outcome. */
    private Outcome<T> checkCase(FuzzInputs.Input input) throws Exception {
        byte[] bytes = input.bytes();
        long bytesMax = ALLOCATION_BYTES_BASE + (long) allocationPerInputByte * bytes.length;
        Outcome<T> outcome = decodeMeasured(bytes);
        if (outcome.allocatedBytes() > bytesMax || outcome.millis() > CASE_MILLIS_MAX) {
            // NB: the first decode of a kind fills lazy caches (reflection, class loading); a
            // cost that comes from the input comes again
            outcome = decodeMeasured(bytes);
        }
        if (outcome.allocatedBytes() > bytesMax) {
            throw new AssertionError(
                    "decoding %d bytes allocated %d bytes, over the bound of %d"
                            .formatted(bytes.length, outcome.allocatedBytes(), bytesMax));
        }
        if (outcome.millis() > CASE_MILLIS_MAX) {
            throw new AssertionError("decoding took %d ms".formatted(outcome.millis()));
        }
        Exception refusal = outcome.refusal();
        if (refusal != null) {
            if (input.valid() || refusals.stream().noneMatch(type -> type.isInstance(refusal))) {
                throw refusal;
            }
        } else if (encoder != null) {
            checkReencoding(input, outcome.value());
        }
        return outcome;
    }

    /** What one decode gave or threw, and what it cost. */
    private record Outcome<T>(
            T value, Exception refusal, int inputBytes, long allocatedBytes, long millis) {}

    private Outcome<T> decodeMeasured(byte[] bytes) {
        long startNanos = System.nanoTime();
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        T value = null;
        Exception refusal = null;
        try {
            value = decoder.decode(bytes);
        } catch (Exception e) {
            refusal = e;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        return new Outcome<>(
                value,
                refusal,
                bytes.length,
                allocated,
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /** Re-encoding is stable, and gives back a valid encoding exactly. */
    private void checkReencoding(FuzzInputs.Input input, T value) throws Exception {
        byte[] again = encoder.apply(value);
        if (comparesValues) {
            T decoded = decoder.decode(again);
            if (!decoded.equals(value)) { // NB: arrays inside compare by identity; look deeper
                assertThat(decoded)
                        .as("what was decoded, round tripped")
                        .usingRecursiveComparison()
                        .isEqualTo(value);
            }
            return;
        }
        if (input.valid()) {
            assertThat(again).as("a valid encoding re-encoded").isEqualTo(input.bytes());
        }
        assertThat(encoder.apply(decoder.decode(again)))
                .as("what was decoded, re-encoded twice")
                .isEqualTo(again);
    }
}
