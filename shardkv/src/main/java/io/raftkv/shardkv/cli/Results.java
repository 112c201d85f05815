package io.raftkv.shardkv.cli;

import io.raftkv.shardkv.kv.KvResult;
import java.util.ArrayList;
import java.util.List;

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

    /** The line a successful result prints as, a value in {@code encoding}. */
    static String text(KvResult result, ValueEncoding encoding) {
        return switch (result) {
            case KvResult.Value value ->
                    value.value() == null ? NIL : encoding.encode(value.value());
            default -> "OK";
        };
    }

    /**
     * {@code result} as one JSON object: {@code {"ok":true}}, with {@code "value"} for a read
     * ({@code null} for a missing key; written in {@code encoding}, or in base64 if it is no UTF-8
     * text, and then {@code "encoding"} says which), or {@code {"ok":false,"code":..,"message":..,
     * "outcome":"failed"|"unknown"}}.
     */
    static String json(KvResult result, ValueEncoding encoding) {
        if (!ok(result)) {
            String[] error = error(result).split(" ", 2);
            String outcome = exitCode(result) == EXIT_UNKNOWN ? "unknown" : "failed";
            return Json.object(
                    List.of(
                            Json.field("ok", "false"),
                            Json.field("code", Json.string(error[0])),
                            Json.field("message", Json.string(error[1])),
                            Json.field("outcome", Json.string(outcome))));
        }
        if (!(result instanceof KvResult.Value value)) {
            return Json.object(List.of(Json.field("ok", "true")));
        }
        if (value.value() == null) {
            return Json.object(List.of(Json.field("ok", "true"), Json.field("value", "null")));
        }
        ValueEncoding written =
                encoding == ValueEncoding.TEXT && ValueEncoding.utf8(value.value()).isEmpty()
                        ? ValueEncoding.BASE64
                        : encoding;
        List<String> fields = new ArrayList<>();
        fields.add(Json.field("ok", "true"));
        fields.add(Json.field("value", Json.string(written.encode(value.value()))));
        if (written != ValueEncoding.TEXT) {
            fields.add(Json.field("encoding", Json.string(written.name().toLowerCase())));
        }
        return Json.object(fields);
    }

    /** {@code CODE message} for a result that is not a success: a sentence, no record text. */
    static String error(KvResult result) {
        return switch (result) {
            case KvResult.Swapped swapped ->
                    "MISMATCH the key does not hold the expected value; nothing was written";
            case KvResult.TooLarge tooLarge ->
                    "TOO_LARGE " + tooLarge.reason() + "; nothing was written";
            case KvResult.Unknown unknown -> "UNKNOWN " + unknown.message();
            case KvResult.Unavailable unavailable -> "UNAVAILABLE " + unavailable.message();
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
