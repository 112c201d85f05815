package io.raftkv.shardkv.kv;

/** What an operation produced. Every outcome is a value; none is an exception. */
public sealed interface KvResult {
    /** A write took effect. */
    record Ok() implements KvResult {}

    /** A read's answer; {@code value} is null if the key is absent. */
    record Value(byte[] value) implements KvResult {}

    /** Whether a compare-and-set took effect. */
    record Swapped(boolean swapped) implements KvResult {}

    /**
     * What a {@link KvOp.SetIf} or {@link KvOp.GetDelete} found and did.
     *
     * @param existed whether the key existed before
     * @param written whether the operation changed the key (set it, or deleted it)
     * @param previous the value before, if the operation asked for it and the key existed; else
     *     null
     */
    record Previous(boolean existed, boolean written, byte[] previous) implements KvResult {
        public Previous {
            io.raftkv.common.Check.argument(
                    existed || previous == null, "an absent key has no previous value");
        }
    }

    /** An integer answer: the sum of a {@link KvOp.IncrementBy}, the length after an append. */
    record Number(long value) implements KvResult {}

    /**
     * A {@link KvOp.IncrementBy} found no 64-bit integer, or its sum would overflow; nothing was
     * written. {@code reason} is Redis's wording.
     */
    record NotANumber(String reason) implements KvResult {}

    /** This group does not serve the key's shard (in its current config). */
    record WrongGroup(int shard) implements KvResult {}

    /** The key or value is larger than allowed; nothing was done. */
    record TooLarge(String reason) implements KvResult {}

    /**
     * The write's session was evicted (the client was silent for long): it is not applied now, and
     * whether an earlier attempt was cannot be told.
     */
    record SessionExpired() implements KvResult {}

    /** The request could not be decoded. */
    record Malformed(String reason) implements KvResult {}

    /**
     * A migration request named a config other than the one it needs this group to be in ({@code
     * current} is the group's config number), or the shard is no longer there: retry later or not
     * at all, as the asker's own state says.
     */
    record WrongConfig(long current) implements KvResult {}

    /**
     * The answer to a pull or a deletion for a handoff the previous owner took back ({@link
     * KvCommand.ReclaimShard}): the asker must drop what it copied and never serve it. Final.
     */
    record Reclaimed() implements KvResult {}

    /** A piece of a shard being handed off. */
    record Chunk(ShardChunk chunk) implements KvResult {}

    /**
     * The client gave up at its deadline: a read got no answer, or a write was never handed to a
     * group (no controller answered, or no group served the key's shard). Nothing was applied.
     */
    record Unavailable(String reason) implements KvResult {
        /** What a client tells its user: the reason, and that nothing was applied. */
        public String message() {
            return reason + "; nothing was applied";
        }
    }

    /**
     * A write was handed to a group but its outcome never came back before the deadline (or its
     * session expired while it was retried): it may or may not have been applied.
     */
    record Unknown(String reason) implements KvResult {
        /** What a client tells its user: that the write may have been applied, and why. */
        public String message() {
            return "the write may or may not have been applied: " + reason;
        }
    }

    /** A group's config number and the status of each shard it holds, ascending by shard. */
    record Status(long configNumber, java.util.SortedMap<Integer, ShardStatus> shards)
            implements KvResult {
        public Status {
            shards = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(shards));
        }
    }
}
