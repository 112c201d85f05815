package io.raftkv.shardkv.linearizability;

/**
 * The verdict on a history. Only {@link Linearizable} is a pass: a {@link TimedOut} check proved
 * nothing and callers must fail on it (Porcupine's tests treat it as a pass; we do not).
 */
public sealed interface CheckResult {
    /** Every key's operations have a linearization. */
    record Linearizable() implements CheckResult {}

    /**
     * The operations on {@code key} have no linearization.
     *
     * @param explanation human readable: the longest linearizable prefix found, the operation that
     *     could not be placed after it, and the operations that were candidates at that point
     */
    record NotLinearizable(String key, String explanation) implements CheckResult {}

    /** The time budget ran out while {@code key} was undecided (no other key was illegal). */
    record TimedOut(String key) implements CheckResult {}

    /** True only for {@link Linearizable}. */
    default boolean isOk() {
        return switch (this) {
            case Linearizable linearizable -> true;
            case NotLinearizable notLinearizable -> false;
            case TimedOut timedOut -> false;
        };
    }
}
