package io.raftkv.raft.host;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Message;

/** A Raft message addressed to one group's replica on the receiving node. */
public record Envelope(GroupId group, Message message) {
    public Envelope {
        Check.argument(group != null && message != null, "an envelope needs a group and a message");
    }
}
