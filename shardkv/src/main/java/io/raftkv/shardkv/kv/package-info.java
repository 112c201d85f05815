/**
 * The key/value state machine of one replica group: operations, per-shard data and per-shard client
 * sessions (so a retried write is applied once), and their binary encoding (commands go to the Raft
 * log, so they are hand-encoded with a version byte). No I/O, no clocks.
 */
package io.raftkv.shardkv.kv;
