package io.raftkv.shardkv.redis;

import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.concurrent.CompletableFuture;

/**
 * What the RESP server needs of the node it fronts: a way to run key operations (the node's own
 * {@link io.raftkv.shardkv.client.ShardKvClient}, routing like any client) and the node's status
 * for {@code INFO}. Both are called from the server's event loops, so both must be thread-safe and
 * must not block.
 */
public interface RespBackend {
    /**
     * Runs {@code op}; the future completes (on any thread) with its result, never exceptionally.
     */
    CompletableFuture<KvResult> execute(KvOp op);

    /** The node as of its last status snapshot. */
    NodeSnapshot status();
}
