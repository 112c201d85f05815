package io.raftkv.shardkv.redis;

import io.raftkv.shardkv.kv.KvResult;

/**
 * The error replies of results that are not a success, the same words everywhere (DESIGN.md rule
 * 9):
 *
 * <ul>
 *   <li>{@code -UNKNOWN}: the write was handed to a group but no answer came in time; it may or may
 *       not have been applied.
 *   <li>{@code -UNAVAILABLE}: nothing was applied (no group answered a read, or a write never
 *       reached one, or its session had expired on its only attempt).
 *   <li>{@code -ERR ... too large}: a key or value past the limits; nothing was applied.
 *   <li>{@code -ERR value is not an integer or out of range} and {@code -ERR increment or decrement
 *       would overflow}: as Redis says them.
 * </ul>
 */
final class Outcomes {
    private Outcomes() {}

    /** The error reply for {@code result}, which was not the success the command expected. */
    static RespReply failure(KvResult result) {
        return RespReply.error(failureText(result));
    }

    static String failureText(KvResult result) {
        return switch (result) {
            case KvResult.Unknown unknown -> "UNKNOWN " + unknown.message();
            case KvResult.Unavailable unavailable -> "UNAVAILABLE " + unavailable.message();
            case KvResult.SessionExpired expired ->
                    "UNAVAILABLE the client session expired before the write reached it; it was"
                            + " not applied";
            case KvResult.TooLarge tooLarge -> "ERR " + tooLarge.reason() + ": too large";
            case KvResult.NotANumber notANumber -> "ERR " + notANumber.reason();
            case KvResult.Malformed malformed -> "ERR malformed request: " + malformed.reason();
            default -> "ERR unexpected answer from the store: " + result.getClass().getSimpleName();
        };
    }

    /** Whether {@code result} may have changed something though it is not a success. */
    static boolean mayHaveApplied(KvResult result) {
        return result instanceof KvResult.Unknown;
    }
}
