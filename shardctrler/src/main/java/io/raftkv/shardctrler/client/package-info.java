/** The controller's client library: finds the leader, retries exactly once, gives up clearly. */
package io.raftkv.shardctrler.client;
