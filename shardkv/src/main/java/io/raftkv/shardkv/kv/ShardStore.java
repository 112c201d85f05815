package io.raftkv.shardkv.kv;

import java.util.List;
import java.util.Map;

/**
 * Where a group keeps its keys, per shard. Used only on the group's loop thread, by the state
 * machine, in log order; every replica makes the same calls in the same order.
 */
public interface ShardStore {
    /** The value of {@code key} in {@code shard}, or null. */
    byte[] get(int shard, Key key);

    void put(int shard, Key key, byte[] value);

    void delete(int shard, Key key);

    /**
     * The entries of {@code shard} with keys after {@code after} (null: from the first), in key
     * order: at least one if any remain, and no more once {@code bytesMax} are collected, as {@link
     * ShardChunk#entryBytes} counts them.
     */
    List<Map.Entry<Key, byte[]>> scan(int shard, Key after, int bytesMax);

    /** Forgets every key of {@code shard}. */
    void dropShard(int shard);

    /** Forgets everything. */
    void clear();

    /** Bytes of keys and values held in {@code shard}. */
    long bytes(int shard);
}
