package io.raftkv.common.net;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.util.Optional;

/**
 * Who an endpoint is on the wire: the hello it sends on every connection it dials, and the cluster
 * a dialing node must belong to when it listens.
 *
 * @param clusterId the cluster's id (etcd's cluster token); empty for a client that does not say
 * @param node the node this endpoint speaks for, empty for a client
 */
public record EndpointIdentity(String clusterId, Optional<NodeId> node) {
    public EndpointIdentity {
        Check.argument(
                clusterId.length() <= Hello.CLUSTER_ID_CHARS_MAX,
                "a cluster id has at most %d characters",
                Hello.CLUSTER_ID_CHARS_MAX);
        Check.argument(node.isEmpty() || !clusterId.isEmpty(), "a node must name its cluster id");
    }

    /** A client, of whatever cluster it reaches. */
    public static EndpointIdentity client() {
        return new EndpointIdentity("", Optional.empty());
    }

    /** Node {@code node} of cluster {@code clusterId}. */
    public static EndpointIdentity node(String clusterId, NodeId node) {
        return new EndpointIdentity(clusterId, Optional.of(node));
    }

    Hello hello() {
        return new Hello(clusterId, node.map(NodeId::value).orElse(0));
    }
}
