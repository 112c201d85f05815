package io.raftkv.raft.sim;

/** A safety property of the simulated cluster was broken. */
public final class InvariantViolation extends AssertionError {
    public InvariantViolation(String message) {
        super(message);
    }
}
