package io.raftkv.shardkv.linearizability;

import java.util.Objects;

/**
 * The sequential specification of one key: its state is its value, {@code null} when absent (which
 * is also the state of a never-written key). Unlike the lab's model, an absent key and an empty
 * value are different states; callers map "not found" to {@code null}.
 */
final class KvModel {
    /** The state of a key nobody has written. */
    static final String INITIAL = null;

    /**
     * The outcome of one step.
     *
     * @param legal whether the output can be observed from the state before the step
     * @param next the state after the step; meaningless when not legal
     */
    record Step(boolean legal, String next) {}

    private static final Step ILLEGAL = new Step(false, null);

    private KvModel() {}

    /**
     * Applies {@code input} to {@code state} and checks {@code output} against it. An {@link
     * KvOutput.Unknown} output is always legal and the operation takes effect as the state dictates
     * (a compare-and-set swaps if and only if the state holds its expected value).
     */
    static Step step(String state, KvInput input, KvOutput output) {
        boolean unknown = output instanceof KvOutput.Unknown;
        return switch (input) {
            case KvInput.Get get ->
                    unknown || reads(output, state) ? new Step(true, state) : ILLEGAL;
            case KvInput.Put put -> new Step(true, put.value());
            case KvInput.Append append ->
                    new Step(true, state == null ? append.value() : state + append.value());
            case KvInput.Delete delete -> new Step(true, null);
            case KvInput.CompareAndSet cas -> compareAndSet(state, cas, output, unknown);
        };
    }

    private static boolean reads(KvOutput output, String state) {
        return output instanceof KvOutput.Value(String value) && Objects.equals(value, state);
    }

    private static Step compareAndSet(
            String state, KvInput.CompareAndSet cas, KvOutput output, boolean unknown) {
        boolean swaps = Objects.equals(state, cas.expected());
        if (!unknown
                && !(output instanceof KvOutput.Swapped(boolean swapped) && swapped == swaps)) {
            return ILLEGAL;
        }
        return new Step(true, swaps ? cas.newValue() : state);
    }
}
