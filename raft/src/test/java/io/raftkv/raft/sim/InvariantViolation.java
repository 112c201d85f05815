package io.raftkv.raft.sim;

/** A safety property of the simulated cluster was broken. */
public final class InvariantViolation extends AssertionError {
    public InvariantViolation(String message) {
        super(message);
    }

    public InvariantViolation(String message, Throwable cause) {
        super(message, cause);
    }
}
