package io.raftkv.raft.node;

import io.raftkv.raft.host.StateMachine;
import java.util.Optional;

/** A state machine that answers a client's read with a view of its state. */
public interface QueryableStateMachine extends StateMachine {
    /**
     * Answers a client's read ({@code request} is the state machine's own encoding of what to
     * read); called on the loop once the read is linearizable. Must not change the state.
     */
    byte[] query(byte[] request);

    /**
     * Who may propose {@code command}, or empty if it is malformed. Checked before proposing, so
     * that every replica can apply whatever is committed and no client proposes a group-internal
     * command.
     */
    Optional<Access> commandAccess(byte[] command);

    /**
     * Who may read with {@code query}. A malformed query is {@link Access#CLIENT}: {@link #query}
     * answers it with the state machine's own error.
     */
    Access queryAccess(byte[] query);

    /** Whether {@code command} is well formed. */
    default boolean isValidCommand(byte[] command) {
        return commandAccess(command).isPresent();
    }
}
