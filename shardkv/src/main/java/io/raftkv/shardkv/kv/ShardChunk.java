package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import java.util.List;
import java.util.Map;

/**
 * One piece of a shard copied from its previous owner: the keys after {@code after} (null: from the
 * first) in key order, bounded in bytes. The last piece ({@code last}) carries the shard's client
 * sessions too.
 *
 * @param sessions the shard's sessions if {@code last}, otherwise empty
 */
public record ShardChunk(
        Key after, List<Map.Entry<Key, byte[]>> values, boolean last, SessionTable sessions) {
    public ShardChunk {
        Check.argument(values != null && sessions != null, "a chunk has values and sessions");
        Check.argument(last || sessions.size() == 0, "only the last chunk carries sessions");
        Check.argument(last || !values.isEmpty(), "a chunk before the last is not empty");
        values = List.copyOf(values);
    }

    /**
     * The bytes an entry takes in an encoded chunk, which bound a chunk's size: its key and value
     * and their two 4-byte lengths. NB: counting only the key and value, a chunk of short keys and
     * empty values would encode to several times its bound.
     */
    public static long entryBytes(Key key, byte[] value) {
        return 2 * Integer.BYTES + key.bytes().length + value.length;
    }

    /** Where the next chunk starts. */
    Key nextAfter() {
        return values.isEmpty() ? after : values.getLast().getKey();
    }
}
