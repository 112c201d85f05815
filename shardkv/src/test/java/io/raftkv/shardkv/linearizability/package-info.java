/**
 * A Porcupine-style linearizability checker for the key/value model (test code, shipped in the
 * {@code shardkv} test-jar so the integration tests use the same checker).
 *
 * <p>Tests record a {@link io.raftkv.shardkv.linearizability.History} of calls and returns, then
 * ask {@link io.raftkv.shardkv.linearizability.LinearizabilityChecker} whether some total order of
 * the operations respects real time and the sequential specification in {@link
 * io.raftkv.shardkv.linearizability.KvModel}. The history is partitioned per key (keys are
 * independent in this model) and each key is searched with Wing &amp; Gong's algorithm as improved
 * by Lowe and by Horn &amp; Kroening, the way Porcupine does it. A checker timeout is a failure,
 * never a pass.
 *
 * <p>Depends only on the JDK and {@code io.raftkv.common}; it knows nothing of Raft or of the
 * store, so callers convert their byte values to strings.
 */
package io.raftkv.shardkv.linearizability;
