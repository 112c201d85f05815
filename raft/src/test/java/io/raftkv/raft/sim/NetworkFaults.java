package io.raftkv.raft.sim;

/**
 * How the simulated network misbehaves. Probabilities are per message; delays are uniform in [min,
 * max] milliseconds of virtual time.
 *
 * @param delayMinMillis least one-way delay
 * @param delayMaxMillis most one-way delay (without long reordering)
 * @param requestDropRate chance that a request (vote, append, heartbeat...) is lost
 * @param replyDropRate chance that a reply is lost
 * @param duplicateRate chance that a message is delivered twice
 * @param longReordering delay 2/3 of replies by 200-2199 ms, as labrpc's long reordering does
 */
public record NetworkFaults(
        long delayMinMillis,
        long delayMaxMillis,
        double requestDropRate,
        double replyDropRate,
        double duplicateRate,
        boolean longReordering) {

    /** A network that delivers everything in order after 1 ms. */
    public static final NetworkFaults RELIABLE = new NetworkFaults(1, 1, 0, 0, 0, false);

    /**
     * labrpc's unreliable network: 0-26 ms delay, 10 % of requests and 10 % of replies dropped.
     * ({@code anchors/mit-6824-tests.md} section 1.)
     */
    public static final NetworkFaults UNRELIABLE = new NetworkFaults(0, 26, 0.1, 0.1, 0, false);

    public NetworkFaults withLongReordering(boolean enabled) {
        return new NetworkFaults(
                delayMinMillis,
                delayMaxMillis,
                requestDropRate,
                replyDropRate,
                duplicateRate,
                enabled);
    }

    public NetworkFaults withDuplicateRate(double rate) {
        return new NetworkFaults(
                delayMinMillis,
                delayMaxMillis,
                requestDropRate,
                replyDropRate,
                rate,
                longReordering);
    }
}
