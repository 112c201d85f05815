package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.kv.KvResult;
import java.nio.charset.StandardCharsets;

/**
 * How results are printed and what they exit with: {@code OK}, the value, {@code (nil)} for an
 * absent key, or {@code ERR <CODE> <message>} (the shell's format; the one-shot commands print
 * {@code error: <CODE> <message>} on stderr).
 */
final class Results {
    static final String NIL = "(nil)";

    /** The operation succeeded. */
    static final int EXIT_OK = 0;

    /** The operation definitely failed: nothing was applied. */
    static final int EXIT_FAILED = 1;

    /** The command line was wrong; nothing was sent. */
    static final int EXIT_USAGE = 2;

    /** A write's outcome is unknown: it may or may not have been applied. */
    static final int EXIT_UNKNOWN = 3;

    private Results() {}

    /** Whether {@code result} is a success (a compare-and-set that did not swap is not). */
    static boolean ok(KvResult result) {
        return switch (result) {
            case KvResult.Ok ok -> true;
            case KvResult.Value value -> true;
            case KvResult.Swapped swapped -> swapped.swapped();
            default -> false;
        };
    }

    /** The exit code of a one-shot command that ended with {@code result}. */
    static int exitCode(KvResult result) {
        if (ok(result)) {
            return EXIT_OK;
        }
        return result instanceof KvResult.Unknown ? EXIT_UNKNOWN : EXIT_FAILED;
    }

    /** The line a successful result prints as. */
    static String text(KvResult result) {
        return switch (result) {
            case KvResult.Value value ->
                    value.value() == null ? NIL : new String(value.value(), StandardCharsets.UTF_8);
            default -> "OK";
        };
    }

    /** {@code CODE message} for a result that is not a success: a sentence, no record text. */
    static String error(KvResult result) {
        return switch (result) {
            case KvResult.Swapped swapped ->
                    "MISMATCH the key does not hold the expected value; nothing was written";
            case KvResult.TooLarge tooLarge ->
                    "TOO_LARGE " + tooLarge.reason() + "; nothing was written";
            case KvResult.Unknown unknown ->
                    "UNKNOWN the write may or may not have been applied: " + unknown.reason();
            case KvResult.Unavailable unavailable ->
                    "UNAVAILABLE " + unavailable.reason() + "; nothing was applied";
            case KvResult.SessionExpired expired ->
                    "SESSION_EXPIRED the client's session was evicted before the write reached"
                            + " it; the write was not applied";
            case KvResult.Malformed malformed ->
                    "MALFORMED " + malformed.reason() + "; nothing was applied";
            default ->
                    "UNEXPECTED the store answered with a "
                            + result.getClass().getSimpleName()
                            + " result";
        };
    }
}
