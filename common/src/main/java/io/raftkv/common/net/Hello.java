package io.raftkv.common.net;

import io.raftkv.common.Check;

/**
 * The first frame on every connection, from the side that dialed: which cluster it belongs to and
 * which node it is. A client is no node ({@code node} 0) and may leave the cluster id empty.
 *
 * @param clusterId the dialer's cluster; a node's must equal the listener's
 * @param node the dialing node's id, or 0 for a client
 */
public record Hello(String clusterId, int node) {
    /** The longest cluster id. */
    public static final int CLUSTER_ID_CHARS_MAX = 64;

    public Hello {
        Check.argument(
                clusterId.length() <= CLUSTER_ID_CHARS_MAX,
                "a cluster id has at most %d characters",
                CLUSTER_ID_CHARS_MAX);
        Check.argument(node >= 0, "node id must not be negative, got %d", node);
    }
}
