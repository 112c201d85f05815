package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;

/**
 * One client operation as a history records it: what was asked, what came back, and when (in
 * nanoseconds on one monotonic or virtual clock shared by the whole history).
 *
 * <p>When {@code output} is {@link KvOutput.Unknown} the client never learned the outcome, and
 * {@code returnNanos} is ignored: the checker treats the return as being at +infinity (Porcupine's
 * convention), so the operation may take effect at any instant after its call, or never.
 *
 * @param clientId who issued it; only used in explanations
 * @param callNanos when the client sent it
 * @param returnNanos when the client learned the outcome; at least {@code callNanos}
 */
public record Operation(
        int clientId, KvInput input, KvOutput output, long callNanos, long returnNanos) {
    /** The return time recorded for operations whose outcome is unknown. */
    public static final long NEVER_RETURNED = Long.MAX_VALUE;

    public Operation {
        Check.argument(input != null && output != null, "input and output must not be null");
        Check.argument(output.answers(input), "output %s cannot answer %s", output, input);
        Check.argument(
                isUnknown(output) || callNanos <= returnNanos,
                "%s returned at %d, before its call at %d",
                input,
                returnNanos,
                callNanos);
    }

    /** An operation whose outcome the client never learned. */
    public static Operation unknown(int clientId, KvInput input, long callNanos) {
        return new Operation(clientId, input, KvOutput.UNKNOWN, callNanos, NEVER_RETURNED);
    }

    /** The key the operation touches. */
    public String key() {
        return input.key();
    }

    /** Whether the client never learned the outcome. */
    public boolean outcomeUnknown() {
        return isUnknown(output);
    }

    private static boolean isUnknown(KvOutput output) {
        return output instanceof KvOutput.Unknown;
    }

    @Override
    public String toString() {
        String returned = outcomeUnknown() ? "never returned" : "return " + returnNanos;
        return "client "
                + clientId
                + ": "
                + input
                + " -> "
                + output
                + "  [call "
                + callNanos
                + ", "
                + returned
                + "]";
    }
}
