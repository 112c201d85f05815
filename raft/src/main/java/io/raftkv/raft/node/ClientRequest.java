package io.raftkv.raft.node;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;

/** What a client asks of a node's group. */
public sealed interface ClientRequest {
    long requestId();

    GroupId group();

    /** Replicate {@code command} through the group's log. */
    record Propose(long requestId, GroupId group, byte[] command) implements ClientRequest {
        public Propose {
            Check.argument(
                    group != null && command != null, "a proposal needs a group and a command");
        }
    }

    /**
     * Read the group's state linearizably (ReadIndex); {@code query} says what to read, in the
     * group's state machine's own encoding.
     */
    record Read(long requestId, GroupId group, byte[] query) implements ClientRequest {
        public Read {
            Check.argument(group != null && query != null, "a read needs a group and a query");
        }

        public Read(long requestId, GroupId group) {
            this(requestId, group, new byte[0]);
        }
    }

    /**
     * This node's account of its replica of the group, answered as a {@link ClientReply.Value}
     * holding a {@link ReplicaReport}, by any node that hosts it (leader or not), without touching
     * the log.
     */
    record Status(long requestId, GroupId group) implements ClientRequest {
        public Status {
            Check.argument(group != null, "a status request needs a group");
        }
    }
}
