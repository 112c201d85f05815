/**
 * The RESP (Redis serialization protocol) front end of a node, so that any Redis client works
 * against raftkv: the RESP2/RESP3 codec ({@link io.raftkv.shardkv.redis.RespDecoder}, {@link
 * io.raftkv.shardkv.redis.RespEncoder}), the command table and its handlers, and the Netty server
 * with pipelining and backpressure ({@link io.raftkv.shardkv.redis.RespServer}). Every key
 * operation goes through the same {@link io.raftkv.shardkv.client.KvRouter} as the Java client
 * (DESIGN.md rule 9), so any node takes any key.
 *
 * <p>May depend on {@code common}, {@code shardkv.kv}, {@code shardkv.client} and {@code
 * shardkv.server} (for the node's status); nothing depends on it but the command line and the demo.
 */
package io.raftkv.shardkv.redis;
