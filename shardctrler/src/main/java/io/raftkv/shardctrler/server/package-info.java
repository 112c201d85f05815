/**
 * The controller group's state machine. Runs on the group host's loop like any other group; depends
 * on {@code io.raftkv.raft} and the config and command packages.
 */
package io.raftkv.shardctrler.server;
