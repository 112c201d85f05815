/**
 * The embedded local cluster behind {@code raftkv demo}: several nodes in one JVM, each a real
 * {@link io.raftkv.raft.host.GroupHost} on its own loop thread, connected in process, with a load
 * of writes and linearizable reads and a live status view.
 */
package io.raftkv.shardkv.demo;
