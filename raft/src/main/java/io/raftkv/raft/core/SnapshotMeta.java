package io.raftkv.raft.core;

import io.raftkv.common.Check;

/**
 * Where a snapshot sits in the log: it replaces every entry up to and including {@code index}.
 *
 * @param index the last log index the snapshot covers
 * @param term that entry's term
 * @param membership the group's voters as of {@code index}
 */
public record SnapshotMeta(long index, long term, Membership membership) {
    public SnapshotMeta {
        Check.argument(index >= 0 && term >= 0, "negative snapshot index or term");
        Check.argument((index == 0) == (term == 0), "index %d and term %d disagree", index, term);
        Check.argument(membership != null, "a snapshot records its membership");
    }
}
