package io.raftkv.shardkv.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for test nodes that keep their port across restarts. */
public final class FreePorts {
    private FreePorts() {}

    /**
     * A port that is free now, below Linux's ephemeral range (32768 and up): while a node is down,
     * an outgoing connection must not be given its port.
     */
    public static int belowEphemeralRange() throws IOException {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in [20000, 32000)");
    }
}
