package io.raftkv.raft.host;

/**
 * What a group replicates. Called only on the host's loop thread, in log order.
 *
 * <p>Every replica applies the same commands in the same order, so {@code apply} must be
 * deterministic: no clocks, no randomness, no iteration over unordered collections into results.
 */
public interface StateMachine {
    /**
     * Applies the committed command at log {@code index} and returns its result, which is handed to
     * the proposer's callback on the replica that proposed it.
     */
    Object apply(long index, byte[] command);

    /** An image of the state after everything applied so far. */
    byte[] snapshot();

    /** Replaces the whole state with a snapshot's image. */
    void restore(byte[] snapshot);
}
