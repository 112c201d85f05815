package io.raftkv.shardkv.redis;

/**
 * One connection's session, as {@code HELLO}, {@code CLIENT} and {@code QUIT} change it. Owned by
 * the connection's event loop.
 */
final class ClientState {
    final long id;

    /** 2 or 3, as the client chose with {@code HELLO}; 2 until it does. */
    int protocol = 2;

    String name = "";
    String libraryName = "";
    String libraryVersion = "";

    /** The client sent {@code QUIT}: close once its reply is written. */
    boolean quitting;

    ClientState(long id) {
        this.id = id;
    }
}
