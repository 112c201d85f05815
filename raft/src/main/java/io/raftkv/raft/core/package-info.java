/**
 * The Raft algorithm as a pure, deterministic state machine (DESIGN.md rule 1, the etcd-raft
 * model).
 *
 * <p>{@link io.raftkv.raft.core.RaftReplica} is driven only by {@code tick()}, {@code step()},
 * {@code propose()}, {@code readIndex()} and {@code transferLeadership()}; it answers with {@link
 * io.raftkv.raft.core.Ready} batches that the host persists, sends and applies before calling
 * {@code advance()}. Nothing in this package uses threads, clocks, I/O, logging or unseeded
 * randomness. It depends only on {@code io.raftkv.common}.
 */
package io.raftkv.raft.core;
