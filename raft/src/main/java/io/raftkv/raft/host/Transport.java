package io.raftkv.raft.host;

import io.raftkv.common.NodeId;
import java.util.List;

/**
 * Carries envelopes between nodes. The host calls {@link #send} at most once per destination per
 * round, with every envelope for that node, so an implementation can put them in one frame.
 *
 * <p>Contract: {@code send} is called on the host's loop thread, must not block and must not throw;
 * delivery is best effort (Raft tolerates loss, duplication and reordering). Inbound envelopes
 * reach the receiving host through {@link GroupHost#receive}, on its loop thread.
 */
public interface Transport {
    void send(NodeId to, List<Envelope> envelopes);
}
