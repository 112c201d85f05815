package io.raftkv.raft.host;

import io.raftkv.common.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects the group hosts of one JVM: a send hands the envelopes to the receiving host on that
 * host's own loop. Links can be cut to show failures. Thread-safe.
 */
public final class InProcessNetwork {
    private record Endpoint(GroupHost host, LoopThread loop) {}

    private final Map<NodeId, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Set<NodeId> isolated = ConcurrentHashMap.newKeySet();

    /** Registers {@code host}, whose loop is {@code loop}, to receive envelopes. */
    public void register(GroupHost host, LoopThread loop) {
        endpoints.put(host.self(), new Endpoint(host, loop));
    }

    public void unregister(NodeId node) {
        endpoints.remove(node);
    }

    /** The transport a host on {@code node} sends through. */
    public Transport transportFor(NodeId node) {
        return (to, envelopes) -> deliver(node, to, envelopes);
    }

    private void deliver(NodeId from, NodeId to, List<Envelope> envelopes) {
        Endpoint target = endpoints.get(to);
        if (target == null || isolated.contains(from) || isolated.contains(to)) {
            return;
        }
        target.loop().execute(() -> target.host().receive(from, envelopes));
    }

    /** Cuts {@code node} off from every other node until {@link #reconnect}. */
    public void isolate(NodeId node) {
        isolated.add(node);
    }

    public void reconnect(NodeId node) {
        isolated.remove(node);
    }

    public boolean isIsolated(NodeId node) {
        return isolated.contains(node);
    }
}
