package io.raftkv.raft.node;

import io.raftkv.raft.host.StateMachine;

/** A state machine that answers a client's read with a view of its state. */
public interface QueryableStateMachine extends StateMachine {
    /**
     * Answers a client's read ({@code request} is the state machine's own encoding of what to
     * read); called on the loop once the read is linearizable. Must not change the state.
     */
    byte[] query(byte[] request);

    /**
     * Whether {@code command} is well formed. Checked before proposing, so that every replica can
     * apply whatever is committed.
     */
    boolean isValidCommand(byte[] command);
}
