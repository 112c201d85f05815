package io.raftkv.shardkv.redis;

/**
 * One command being run, with what its handler may use: the connection's session, the node, the
 * server's numbers and the command table (for {@code COMMAND}).
 */
record Call(
        RespCommand command,
        ClientState client,
        RespBackend backend,
        ServerStats server,
        CommandTable table) {}
