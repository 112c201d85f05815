package io.raftkv.raft.node;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.raft.host.Envelope;
import java.util.List;

/**
 * Every envelope one node sends another in one round (or part of them, if many). An empty frame is
 * the sending node's heartbeat.
 */
public record RaftFrame(NodeId from, List<Envelope> envelopes) {
    public RaftFrame {
        Check.argument(from != null, "a frame names its sender");
        envelopes = List.copyOf(envelopes);
    }
}
