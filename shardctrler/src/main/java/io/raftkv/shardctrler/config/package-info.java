/**
 * Shard configs and the rebalancer: pure values and functions, no I/O. A config says which group
 * owns each shard and which nodes serve each group.
 */
package io.raftkv.shardctrler.config;
