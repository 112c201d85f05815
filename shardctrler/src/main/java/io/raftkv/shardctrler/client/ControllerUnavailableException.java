package io.raftkv.shardctrler.client;

/**
 * No controller answered within the client's deadline; the operation may or may not have applied.
 */
public final class ControllerUnavailableException extends Exception {
    public ControllerUnavailableException(String message) {
        super(message);
    }
}
