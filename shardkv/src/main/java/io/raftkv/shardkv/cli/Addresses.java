package io.raftkv.shardkv.cli;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} strings. */
final class Addresses {
    private Addresses() {}

    /** Parses {@code HOST:PORT}; throws IllegalArgumentException with a readable reason. */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + text);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException notANumber) {
            throw new IllegalArgumentException("bad port in " + text);
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range in " + text);
        }
        return InetSocketAddress.createUnresolved(text.substring(0, colon), port);
    }
}
