/**
 * A Raft node process: the group host on the Netty event loop of a {@link
 * io.raftkv.common.net.NettyEndpoint}, the write-ahead log underneath, peers over TCP, and a small
 * client protocol to propose to and read any group. The state machine here is a set of values, used
 * by the multi-process tests and benchmarks; the controller and the KV store bring their own.
 */
package io.raftkv.raft.node;
