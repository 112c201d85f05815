package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;

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
     * configNumber}, so the previous owner deletes its copy. Applying it makes the handoff final,
     * unless the previous owner has reclaimed the shard first ({@link ReclaimShard}); the answer is
     * then {@link KvResult.Reclaimed} and the new owner never serves its copy.
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

    /**
     * Proposed by a group to its own log: it takes back {@code shard}, which it holds HANDING_OFF
     * in config {@code configNumber}, because the new owner is missing from some later config (it
     * has left) and has not confirmed that it has the shard. From then on the group answers that
     * handoff's pulls and deletions with {@link KvResult.Reclaimed}, so the new owner can never
     * serve the shard, and the group keeps the shard RETAINED for the owner a later config names.
     */
    record ReclaimShard(long configNumber, int shard) implements KvCommand {
        public ReclaimShard {
            Check.argument(shard >= 0, "negative shard %d", shard);
        }
    }

    /**
     * Proposed by a group to its own log: it drops whatever it copied of {@code shard} in config
     * {@code configNumber}, and no longer waits for it. {@code reclaimed}: the previous owner
     * answered {@link KvResult.Reclaimed}, so even a complete copy (NOTIFYING) goes. Otherwise the
     * group has left a later config, and gives up only a shard still PULLING: it has never asked
     * for that handoff to be made final, so the previous owner never makes it final.
     */
    record AbandonShard(long configNumber, int shard, boolean reclaimed) implements KvCommand {
        public AbandonShard {
            Check.argument(shard >= 0, "negative shard %d", shard);
        }
    }

    /**
     * Sent by the group that holds {@code shard} to the shard's owner in config {@code
     * configNumber} when that owner would look for it elsewhere: the last owner the configs name
     * never got it, because {@code source} reclaimed it. Pull it from {@code source}, reached at
     * {@code members}. Ignored once a chunk has come in.
     */
    record PullFrom(long configNumber, int shard, GroupId source, List<Member> members)
            implements KvCommand {
        public PullFrom {
            Check.argument(shard >= 0, "negative shard %d", shard);
            Check.argument(
                    source != null && !source.equals(ShardConfig.UNASSIGNED),
                    "a source group is needed");
            members = List.copyOf(members);
            Check.argument(!members.isEmpty(), "%s needs members to be reached at", source);
        }
    }
}
