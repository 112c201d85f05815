/**
 * Tier-2 scenario tests of the Raft core (the etcd-raft {@code datadriven} style): a script drives
 * a few {@link io.raftkv.raft.core.RaftReplica}s by hand, one tick, message and Ready at a time,
 * and the transcript of everything they did is compared with a golden file. The transcript is the
 * assertion.
 *
 * <p>Depends only on {@code io.raftkv.raft.core} and {@code io.raftkv.common}: no host, no threads,
 * no clock.
 */
package io.raftkv.raft.scenario;
