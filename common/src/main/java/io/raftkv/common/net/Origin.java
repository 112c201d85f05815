package io.raftkv.common.net;

import io.raftkv.common.NodeId;

/**
 * Who sent a frame, as the connection's handshake established it: what the receiver lets it do
 * (DESIGN.md rule 7: a client connection can only issue client operations).
 */
public sealed interface Origin {
    /**
     * A node of this cluster: its hello carried the cluster id and its node id, and with TLS on its
     * certificate proves that id. Only peers send Raft messages and group-internal commands.
     */
    record Peer(NodeId node) implements Origin {}

    /**
     * A client that may also run admin operations: any client while TLS is off, or one presenting a
     * client certificate signed by the cluster CA.
     */
    record Admin() implements Origin {}

    /** A client limited to client operations: TLS is on and it presented no certificate. */
    record Client() implements Origin {}

    /** The node at the other end of a connection this endpoint dialed: replies to its calls. */
    record Called(NodeId node) implements Origin {}
}
