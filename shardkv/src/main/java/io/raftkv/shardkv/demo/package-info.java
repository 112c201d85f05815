/**
 * The embedded local cluster behind {@code raftkv demo}: real nodes (Netty, write-ahead logs) in
 * one JVM on loopback, the controller group and several replica groups, and a live status view.
 */
package io.raftkv.shardkv.demo;
