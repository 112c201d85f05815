package io.raftkv.shardkv.redis;

/**
 * Input that is not RESP, or that passes a limit: the connection is answered with {@code -ERR
 * Protocol error: <message>} and closed, as Redis does.
 */
public final class RespProtocolException extends IllegalArgumentException {
    public RespProtocolException(String message) {
        super(message);
    }
}
