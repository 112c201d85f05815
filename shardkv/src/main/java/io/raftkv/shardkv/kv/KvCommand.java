package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import io.raftkv.shardctrler.config.ShardConfig;

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

    /**
     * Moves the group to {@code config}, which must be the next after its current one, once no
     * shard holds it back (see {@link ShardStatus#blocksNextConfig}).
     */
    record InstallConfig(ShardConfig config) implements KvCommand {
        public InstallConfig {
            Check.argument(config != null, "a config is needed");
        }
    }

    /** Adds a piece of {@code shard}, being pulled in config {@code configNumber}. */
    record InsertChunk(long configNumber, int shard, ShardChunk chunk) implements KvCommand {
        public InsertChunk {
            Check.argument(shard >= 0 && chunk != null, "a chunk needs a shard and data");
        }
    }

    /**
     * Sent by the new owner to the previous one: it has all of {@code shard} of config {@code
     * configNumber}, so the previous owner deletes its copy.
     */
    record DeleteShard(long configNumber, int shard) implements KvCommand {
        public DeleteShard {
            Check.argument(shard >= 0, "negative shard %d", shard);
        }
    }

    /** The previous owner has deleted its copy of {@code shard}: the shard is settled. */
    record ShardNotified(long configNumber, int shard) implements KvCommand {
        public ShardNotified {
            Check.argument(shard >= 0, "negative shard %d", shard);
        }
    }
}
