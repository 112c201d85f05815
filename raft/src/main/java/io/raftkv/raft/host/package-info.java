/**
 * The group host (DESIGN.md rule 2): many Raft groups on one single-threaded loop, one storage
 * write per round for all of them, messages coalesced per destination node, then apply and advance.
 * Storage and transport are interfaces here; the simulator and the production edges (WAL, Netty)
 * plug in behind them. Depends on {@code io.raftkv.raft.core} and {@code io.raftkv.common}.
 */
package io.raftkv.raft.host;
