package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import java.util.Optional;

/**
 * Why a proposal, membership change or read was not taken. All are expected outcomes, never
 * exceptions.
 */
public sealed interface Rejection extends ProposeResult, ReadResult, ChangeResult {
    /** This replica is not the leader; {@code hint} is the leader it knows of, if any. */
    record NotLeader(Optional<NodeId> hint) implements Rejection {}

    /** Too much is pending; retry later. {@code reason} says which limit was hit. */
    record Overloaded(String reason) implements Rejection {}
}
