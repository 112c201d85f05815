/**
 * Tests of real node processes on loopback: {@link io.raftkv.it.NodeProcesses} starts, kills,
 * restarts and wipes {@code RaftNodeMain} or {@code raftkv node} JVMs; {@link
 * io.raftkv.it.ClusterClient} finds a Raft group's leader by asking and {@link
 * io.raftkv.it.Writers} records which writes were acknowledged; {@link io.raftkv.it.KvWorkload}
 * runs clients of the sharded store and records their history for the linearizability checker;
 * {@link io.raftkv.it.Cli} runs a {@code raftkv} command in this JVM.
 */
package io.raftkv.it;
