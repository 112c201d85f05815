package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.Optional;

/**
 * The part of a replica's state that must be persisted before it acts on it (Raft figure 2:
 * currentTerm and votedFor; plus the commit index, so a restart re-applies without waiting for a
 * leader).
 *
 * @param term the current term
 * @param votedFor the candidate voted for in {@code term}, if any
 * @param commitIndex the highest index known committed; never above the persisted log
 */
public record HardState(long term, Optional<NodeId> votedFor, long commitIndex) {
    /** The state of a replica that has never run. */
    public static final HardState EMPTY = new HardState(0, Optional.empty(), 0);

    public HardState {
        Check.argument(term >= 0 && commitIndex >= 0, "negative term or commit index");
        Check.argument(votedFor != null, "votedFor must not be null (use Optional.empty())");
    }
}
