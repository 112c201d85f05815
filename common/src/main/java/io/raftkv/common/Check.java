package io.raftkv.common;

/**
 * Always-on invariant checks (TigerBeetle style): a failed check is a programming error, so it
 * throws {@link IllegalStateException} at once instead of letting bad state spread.
 *
 * <p>The message is a {@link String#format} pattern; it is only formatted when the check fails, so
 * checks on hot paths cost one branch.
 */
public final class Check {
    private Check() {}

    /** Throws {@link IllegalStateException} with the formatted message unless {@code condition}. */
    public static void that(boolean condition, String message, Object... args) {
        if (!condition) {
            throw new IllegalStateException(String.format(message, args));
        }
    }

    /** Throws {@link IllegalArgumentException} unless {@code condition}: for caller input. */
    public static void argument(boolean condition, String message, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
