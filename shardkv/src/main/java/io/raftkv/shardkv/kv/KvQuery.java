package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;

/** What a KV group answers without a log write, after a ReadIndex confirmation. */
public sealed interface KvQuery {
    /** A client's read. */
    record Read(KvOp.Get get) implements KvQuery {
        public Read {
            Check.argument(get != null, "a read needs a get");
        }
    }

    /**
     * The next piece of {@code shard}, handed off in config {@code configNumber}: the keys after
     * {@code after} (null: from the first), at most about {@code bytesMax} of them.
     */
    record Pull(long configNumber, int shard, Key after, int bytesMax) implements KvQuery {
        public Pull {
            Check.argument(shard >= 0, "negative shard %d", shard);
            Check.argument(bytesMax > 0, "a chunk holds at least one byte, got %d", bytesMax);
        }
    }

    /** The group's config number and the status of every shard it holds. */
    record Status() implements KvQuery {}
}
