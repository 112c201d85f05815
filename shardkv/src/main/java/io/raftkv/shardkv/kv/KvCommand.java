package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;

/** What a KV group's log holds. */
public sealed interface KvCommand {
    /**
     * Opens a session of {@code clientId} in {@code shard} (idempotent). A client id names one
     * session: a client that loses its session registers again under a new id, so a delayed write
     * of the old session can never be applied under the new one.
     */
    record RegisterSession(long clientId, int shard) implements KvCommand {
        public RegisterSession {
            Check.argument(shard >= 0, "negative shard %d", shard);
        }
    }

    /**
     * A client's write within its session in the key's shard. {@code sequence} counts the session's
     * writes from 1, one at a time, so a retry is told from a new write.
     */
    record Write(long clientId, long sequence, KvOp op) implements KvCommand {
        public Write {
            Check.argument(sequence >= 1, "sequences start at 1, got %d", sequence);
            Check.argument(op != null && !op.isRead(), "a write carries a writing operation");
        }
    }
}
