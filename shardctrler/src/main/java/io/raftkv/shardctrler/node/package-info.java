/**
 * What a node does with the controller's configs: it hosts a replica of every group the latest
 * config lists it in, and drops replicas of groups that have left. Depends on the node ({@code
 * io.raftkv.raft.node}) and the controller client.
 */
package io.raftkv.shardctrler.node;
