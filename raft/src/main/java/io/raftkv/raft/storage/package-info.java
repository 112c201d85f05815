/**
 * Durable Raft storage for a node: one write-ahead log shared by every group on the node
 * (segmented, each record with length and CRC32C, one {@code force} per batch of rounds), and
 * snapshot files written to a temporary name, synced, renamed and made durable with a directory
 * sync. On-disk formats are hand-written binary with a version byte (never Kryo). Implements {@link
 * io.raftkv.raft.host.RaftStorage}; depends on {@code io.raftkv.raft.core}, {@code
 * io.raftkv.raft.host} and {@code io.raftkv.common}.
 */
package io.raftkv.raft.storage;
