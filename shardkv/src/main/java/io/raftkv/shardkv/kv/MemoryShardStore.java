package io.raftkv.shardkv.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** A {@link ShardStore} on the heap: one sorted map per shard. */
public final class MemoryShardStore implements ShardStore {
    private final TreeMap<Integer, TreeMap<Key, byte[]>> shards = new TreeMap<>();
    private final TreeMap<Integer, Long> bytes = new TreeMap<>();

    @Override
    public byte[] get(int shard, Key key) {
        TreeMap<Key, byte[]> values = shards.get(shard);
        return values == null ? null : values.get(key);
    }

    @Override
    public void put(int shard, Key key, byte[] value) {
        byte[] old = shards.computeIfAbsent(shard, s -> new TreeMap<>()).put(key, value);
        bytes.merge(shard, size(key, value) - (old == null ? 0 : size(key, old)), Long::sum);
    }

    @Override
    public void delete(int shard, Key key) {
        TreeMap<Key, byte[]> values = shards.get(shard);
        byte[] old = values == null ? null : values.remove(key);
        if (old != null) {
            bytes.merge(shard, -size(key, old), Long::sum);
        }
    }

    @Override
    public List<Map.Entry<Key, byte[]>> scan(int shard, Key after, int bytesMax) {
        TreeMap<Key, byte[]> values = shards.get(shard);
        List<Map.Entry<Key, byte[]>> entries = new ArrayList<>();
        if (values == null) {
            return entries;
        }
        NavigableMap<Key, byte[]> rest = after == null ? values : values.tailMap(after, false);
        long collected = 0;
        for (Map.Entry<Key, byte[]> entry : rest.entrySet()) {
            long size = ShardChunk.entryBytes(entry.getKey(), entry.getValue());
            if (!entries.isEmpty() && collected + size > bytesMax) {
                break;
            }
            entries.add(Map.entry(entry.getKey(), entry.getValue()));
            collected += size;
        }
        return entries;
    }

    @Override
    public void dropShard(int shard) {
        shards.remove(shard);
        bytes.remove(shard);
    }

    @Override
    public void clear() {
        shards.clear();
        bytes.clear();
    }

    @Override
    public long bytes(int shard) {
        return bytes.getOrDefault(shard, 0L);
    }

    private static long size(Key key, byte[] value) {
        return key.bytes().length + value.length;
    }
}
