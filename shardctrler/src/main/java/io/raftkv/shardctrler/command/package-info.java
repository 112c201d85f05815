/**
 * The controller's commands, queries and results, and their binary encoding. Commands are written
 * to the Raft log, so they are encoded by hand with a version byte (never Kryo).
 */
package io.raftkv.shardctrler.command;
