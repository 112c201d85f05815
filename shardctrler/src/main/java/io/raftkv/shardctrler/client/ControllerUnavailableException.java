package io.raftkv.shardctrler.client;

/**
 * No controller answered within the client's deadline. A query changed nothing; a command may or
 * may not have been applied ({@link #mayHaveApplied}).
 */
public final class ControllerUnavailableException extends Exception {
    private final boolean mayHaveApplied;

    public ControllerUnavailableException(String message, boolean mayHaveApplied) {
        super(message);
        this.mayHaveApplied = mayHaveApplied;
    }

    /** Whether the operation was a command that may have been applied. */
    public boolean mayHaveApplied() {
        return mayHaveApplied;
    }
}
