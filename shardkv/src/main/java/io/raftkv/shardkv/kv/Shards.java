package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import java.util.zip.CRC32C;

/** Which shard a key belongs to: a stable hash (CRC32C) modulo the cluster's shard count. */
public final class Shards {
    private Shards() {}

    public static int of(byte[] key, int shardCount) {
        Check.argument(shardCount > 0, "shard count must be positive");
        CRC32C crc = new CRC32C();
        crc.update(key);
        return (int) (crc.getValue() % shardCount);
    }
}
