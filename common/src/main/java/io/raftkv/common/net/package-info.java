/**
 * The node-to-node and client transport (DESIGN.md, Transport): Netty 4.2 on one event-loop thread
 * per node, length-prefixed frames with a size limit, and Kryo with registration required so no
 * class arrives from the wire that the receiver did not list. A malformed or oversized frame closes
 * only its own connection. Depends on Netty and Kryo, nothing of ours but {@code io.raftkv.common}.
 */
package io.raftkv.common.net;
