/**
 * The deterministic simulator (DESIGN.md rule 3): the production {@link
 * io.raftkv.raft.host.GroupHost} with only its edges swapped for simulated ones: a network that
 * drops, delays, duplicates, reorders and partitions; storage whose crash loses what was not synced
 * and may tear the last write (a model, {@link io.raftkv.raft.sim.SimStorage}, or the production
 * write-ahead log over a fault-injecting file system, {@link io.raftkv.raft.sim.WalDisk}); virtual
 * time; and one seed for every random choice. A failing run prints its seed and replays exactly
 * with {@code -Dsim.seed=N}.
 *
 * <p>Shipped as the {@code raft} test-jar so the controller and KV modules can simulate whole
 * clusters too.
 */
package io.raftkv.raft.sim;
