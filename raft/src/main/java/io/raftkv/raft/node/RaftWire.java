package io.raftkv.raft.node;

import io.raftkv.common.net.WireCodec;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.host.Envelope;
import java.util.List;

/**
 * The classes of the node protocol, in their fixed registration order. Appending a class is a
 * protocol change: nodes of different versions cannot talk.
 */
public final class RaftWire {
    /** The largest frame a node sends or accepts. */
    public static final int FRAME_BYTES_MAX = 16 << 20;

    private RaftWire() {}

    public static WireCodec codec() {
        return new WireCodec(classes(), FRAME_BYTES_MAX);
    }

    static List<Class<?>> classes() {
        return List.of(
                EntryType.class,
                Entry.class,
                Membership.class,
                SnapshotMeta.class,
                Message.RequestVote.class,
                Message.RequestVoteResponse.class,
                Message.AppendEntries.class,
                Message.AppendEntriesResponse.class,
                Message.Heartbeat.class,
                Message.HeartbeatResponse.class,
                Message.InstallSnapshot.class,
                Message.InstallSnapshotResponse.class,
                Message.TimeoutNow.class,
                Envelope.class,
                RaftFrame.class,
                ClientRequest.Propose.class,
                ClientRequest.Read.class,
                ClientReply.Applied.class,
                ClientReply.Value.class,
                ClientReply.NotLeader.class,
                ClientReply.Unknown.class,
                ClientReply.Overloaded.class,
                ClientReply.Invalid.class,
                ClientReply.Forbidden.class);
    }
}
