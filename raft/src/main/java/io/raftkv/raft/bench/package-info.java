/**
 * On-demand benchmarks of the Raft layer (never run in CI; results go to {@code docs/benchmarks.md}
 * with the command that produced them): the WAL against a raw {@code FileChannel} baseline, the
 * idle cost of many quiesced groups, and the throughput of one group on three node processes.
 */
package io.raftkv.raft.bench;
