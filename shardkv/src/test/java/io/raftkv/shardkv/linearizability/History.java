package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Records a history from any number of client threads: call {@link #call} just before sending an
 * operation and {@link #returned} just after learning its outcome. Each reads the clock under the
 * history's lock, so the recorded times keep the real-time order of the events.
 *
 * <p>A call that never gets a return (the client gave up, or crashed) is reported by {@link
 * #operations()} with an {@link KvOutput.Unknown} output. Thread-safe.
 */
public final class History {
    private final LongSupplier clockNanos;

    /** Every call in call order; guarded by {@code this}. */
    private final List<PendingCall> calls = new ArrayList<>();

    /** The latest clock reading; guarded by {@code this}. */
    private long lastNanos = Long.MIN_VALUE;

    private History(LongSupplier clockNanos) {
        this.clockNanos = clockNanos;
    }

    /** A history timed by {@link System#nanoTime()}, starting at zero now. */
    public static History realTime() {
        long originNanos = System.nanoTime();
        return new History(() -> System.nanoTime() - originNanos);
    }

    /** A history timed by a simulator's virtual clock, which must never go backwards. */
    public static History virtualTime(LongSupplier nowNanos) {
        return new History(nowNanos);
    }

    /** A call in flight; pass it back to {@link History#returned} once the outcome is known. */
    public static final class PendingCall {
        private final int clientId;
        private final KvInput input;
        private final long callNanos;
        private KvOutput output; // guarded by the History
        private long returnNanos; // guarded by the History

        private PendingCall(int clientId, KvInput input, long callNanos) {
            this.clientId = clientId;
            this.input = input;
            this.callNanos = callNanos;
        }
    }

    /** Records that {@code clientId} is about to send {@code input}. */
    public synchronized PendingCall call(int clientId, KvInput input) {
        Check.argument(input != null, "input must not be null");
        PendingCall call = new PendingCall(clientId, input, now());
        calls.add(call);
        return call;
    }

    /**
     * Records the outcome of {@code call}; {@link KvOutput#UNKNOWN} when the client gave up on it
     * (the same as never calling this).
     */
    public synchronized void returned(PendingCall call, KvOutput output) {
        Check.argument(call.output == null, "%s already returned %s", call.input, call.output);
        Check.argument(
                output.answers(call.input), "output %s cannot answer %s", output, call.input);
        call.returnNanos = now();
        call.output = output;
    }

    /** A snapshot of the history in call order; calls still in flight have unknown outcomes. */
    public synchronized List<Operation> operations() {
        List<Operation> operations = new ArrayList<>(calls.size());
        for (PendingCall call : calls) {
            KvOutput output = call.output == null ? KvOutput.UNKNOWN : call.output;
            long returnNanos =
                    output instanceof KvOutput.Unknown
                            ? Operation.NEVER_RETURNED
                            : call.returnNanos;
            operations.add(
                    new Operation(call.clientId, call.input, output, call.callNanos, returnNanos));
        }
        return operations;
    }

    private long now() {
        long nanos = clockNanos.getAsLong();
        Check.that(nanos >= lastNanos, "clock went backwards: %d after %d", nanos, lastNanos);
        lastNanos = nanos;
        return nanos;
    }
}
