package io.raftkv.raft.host;

import io.raftkv.common.NodeId;
import java.util.Optional;

/** What became of an accepted proposal. */
public sealed interface ProposalOutcome {
    /** The command was committed and applied at {@code index} with this result. */
    record Applied(long index, Object result) implements ProposalOutcome {}

    /**
     * This replica lost track of the command (it stopped leading, or the entry was replaced): it
     * may or may not be applied later. Retry with the same client sequence number.
     */
    record Unknown(Optional<NodeId> leaderHint) implements ProposalOutcome {}
}
