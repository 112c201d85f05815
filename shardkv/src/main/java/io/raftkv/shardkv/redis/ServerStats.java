package io.raftkv.shardkv.redis;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What {@code INFO} and {@code CLIENT ID} tell of the server as a whole. Thread-safe. */
final class ServerStats {
    final long startMillis = System.currentTimeMillis();
    final AtomicLong lastClientId = new AtomicLong();
    final AtomicInteger connectedClients = new AtomicInteger();
    final AtomicLong connectionsReceived = new AtomicLong();
    final AtomicLong connectionsRejected = new AtomicLong();
    final AtomicLong commandsProcessed = new AtomicLong();
    final int clientsMax;
    final boolean tls;
    volatile int port;

    ServerStats(int clientsMax, boolean tls) {
        this.clientsMax = clientsMax;
        this.tls = tls;
    }
}
