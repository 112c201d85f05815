package io.raftkv.raft.host;

import io.raftkv.common.NodeId;
import java.util.Optional;

/** What became of an accepted linearizable read. */
public sealed interface ReadOutcome {
    /**
     * The state machine has applied everything up to the read index: read it now, inside the
     * callback, on the loop thread.
     */
    record Confirmed(long readIndex) implements ReadOutcome {}

    /** Leadership was lost before the read was confirmed; retry. */
    record NotLeader(Optional<NodeId> leaderHint) implements ReadOutcome {}
}
