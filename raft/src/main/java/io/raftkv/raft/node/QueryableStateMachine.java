package io.raftkv.raft.node;

import io.raftkv.raft.host.StateMachine;

/** A state machine that answers a client's read with a view of its state. */
public interface QueryableStateMachine extends StateMachine {
    /** The state as a client reads it; called on the loop once the read is linearizable. */
    byte[] query();

    /**
     * Whether {@code command} is well formed. Checked before proposing, so that every replica can
     * apply whatever is committed.
     */
    boolean isValidCommand(byte[] command);
}
