/**
 * Tests of real node processes on loopback: {@link io.raftkv.it.NodeProcesses} starts, kills and
 * restarts {@code RaftNodeMain} JVMs, {@link io.raftkv.it.ClusterClient} finds leaders by asking,
 * and {@link io.raftkv.it.Writers} records which writes were acknowledged. Depends only on the
 * public API of the {@code raft} module.
 */
package io.raftkv.it;
