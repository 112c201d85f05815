package io.raftkv.shardkv.redis;

import io.raftkv.shardkv.kv.Key;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One connection's view of the backend, in which its operations on one key run one after another,
 * in the order it sent them: a pipelined {@code SET k v} then {@code GET k} reads {@code v}, as in
 * Redis. Operations on different keys still run at once (they go to different shards anyway), so
 * another client may see a connection's writes to two keys in either order while both are under
 * way. Thread-safe: operations start on the connection's loop and complete on the client's.
 */
final class KeyOrderedBackend implements RespBackend {
    private final RespBackend backend;

    /** The last operation started or queued on each key; an entry goes once it completes. */
    private final ConcurrentHashMap<Key, CompletableFuture<KvResult>> tails =
            new ConcurrentHashMap<>();

    KeyOrderedBackend(RespBackend backend) {
        this.backend = backend;
    }

    @Override
    public CompletableFuture<KvResult> execute(KvOp op) {
        Key key = new Key(op.key());
        CompletableFuture<KvResult> previous = tails.get(key);
        CompletableFuture<KvResult> next =
                previous == null
                        ? backend.execute(op)
                        : previous.handle((result, failure) -> op).thenCompose(backend::execute);
        tails.put(key, next);
        next.whenComplete((result, failure) -> tails.remove(key, next));
        return next;
    }

    @Override
    public NodeSnapshot status() {
        return backend.status();
    }
}
