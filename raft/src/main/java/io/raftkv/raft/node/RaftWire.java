package io.raftkv.raft.node;

import io.raftkv.common.net.WireCodec;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.host.Envelope;
import java.util.List;

/**
 * The classes of the node protocol, in their fixed registration order. Appending a class is a
 * protocol change: nodes of different versions cannot talk.
 */
public final class RaftWire {
    /** The largest frame a node sends or accepts, its 4-byte length prefix included. */
    public static final int FRAME_BYTES_MAX = 16 << 20;

    /**
     * Frame bytes kept for everything but the command, when a command travels in an AppendEntries
     * frame. A command larger than {@link RaftOptions#bytesPerMessageMax()} (1 MiB by default) goes
     * alone in its message, since {@code RaftLog.slice} adds no entry past that bound but the
     * first, and a message larger than the node's frame split goes alone in its frame. That frame
     * holds, besides the command (Kryo: varints, a long in at most 9 bytes, a class id in at most
     * 2, a non-null marker of 1 before each record or array field): the length prefix, 4 bytes; a
     * RaftFrame with its sender and list length, at most 15; one Envelope with its group, at most
     * 10; the AppendEntries with two node ids, four longs and its list length, at most 55; the
     * Entry with two longs, its type and the command's length, at most 28. That is at most 112
     * bytes; 64 KiB leaves room for any field these records may gain. A client's Propose frame
     * (request id, group, command) is smaller.
     */
    static final int COMMAND_FRAME_OVERHEAD_BYTES = 64 << 10;

    /**
     * The largest command a node's replicas may take ({@link RaftOptions#commandBytesMax()}), so
     * that every accepted entry fits one frame: 16 MiB - 64 KiB = 16,711,680 bytes.
     */
    public static final int COMMAND_BYTES_MAX = FRAME_BYTES_MAX - COMMAND_FRAME_OVERHEAD_BYTES;

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
                ClientRequest.Status.class,
                ClientReply.Applied.class,
                ClientReply.Value.class,
                ClientReply.NotLeader.class,
                ClientReply.Unknown.class,
                ClientReply.Overloaded.class,
                ClientReply.Invalid.class,
                ClientReply.Forbidden.class,
                ClientReply.TooLarge.class);
    }
}
