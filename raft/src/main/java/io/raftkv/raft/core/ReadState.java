package io.raftkv.raft.core;

/**
 * A linearizable read may be served once the state machine has applied {@code readIndex}: the
 * leader confirmed with a quorum that it was still leader after the read arrived (Raft thesis
 * section 6.4).
 */
public record ReadState(long requestId, long readIndex) {}
