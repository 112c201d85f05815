/**
 * Durable Raft storage for a node: one write-ahead log shared by every group on the node
 * (segmented, each record with length and CRC32C, one {@code force} per batch of rounds), and
 * snapshot files written to a temporary name, synced, renamed and made durable with a directory
 * sync. Every file operation goes through {@link io.raftkv.raft.storage.Disk}, so tests can run the
 * log over a simulated disk. On-disk formats are hand-written binary with a version byte (never
 * Kryo). Implements {@link io.raftkv.raft.host.RaftStorage}; depends on {@code
 * io.raftkv.raft.core}, {@code io.raftkv.raft.host} and {@code io.raftkv.common}.
 */
package io.raftkv.raft.storage;
