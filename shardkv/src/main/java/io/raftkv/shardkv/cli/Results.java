package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.kv.KvResult;
import java.nio.charset.StandardCharsets;

/**
 * How results are printed: {@code OK}, the value, {@code (nil)} for an absent key, or {@code ERR
 * <CODE> <message>} (the shell's format; the one-shot commands print the error on stderr).
 */
final class Results {
    static final String NIL = "(nil)";

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

    /** The line a successful result prints as. */
    static String text(KvResult result) {
        return switch (result) {
            case KvResult.Value value ->
                    value.value() == null ? NIL : new String(value.value(), StandardCharsets.UTF_8);
            default -> "OK";
        };
    }

    /** {@code CODE message} for a result that is not a success. */
    static String error(KvResult result) {
        return switch (result) {
            case KvResult.Swapped swapped -> "MISMATCH the key does not hold the expected value";
            case KvResult.TooLarge tooLarge -> "TOO_LARGE " + tooLarge.reason();
            case KvResult.Unavailable unavailable -> "UNAVAILABLE " + unavailable.reason();
            case KvResult.SessionExpired expired ->
                    "SESSION_EXPIRED the client was silent too long; the write was not applied now";
            case KvResult.Malformed malformed -> "MALFORMED " + malformed.reason();
            default -> "UNEXPECTED " + result;
        };
    }
}
