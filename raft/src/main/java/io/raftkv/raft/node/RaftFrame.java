package io.raftkv.raft.node;

import io.raftkv.raft.host.Envelope;
import java.util.List;

/** Every envelope one node sends another in one round (or part of them, if many). */
public record RaftFrame(List<Envelope> envelopes) {
    public RaftFrame {
        envelopes = List.copyOf(envelopes);
    }
}
