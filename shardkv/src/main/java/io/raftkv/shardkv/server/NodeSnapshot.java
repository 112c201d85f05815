package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.storage.WriteAheadLog;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.ShardStatus;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What a node looked like at one moment, taken on its loop and read from any thread (metrics, the
 * HTTP status page). Immutable.
 *
 * @param config the latest shard config this node has read from the controller, if any
 * @param proposals proposals its leaders accepted so far
 * @param applied entries its replicas applied so far
 */
public record NodeSnapshot(
        NodeId node,
        List<Replica> replicas,
        Optional<ShardConfig> config,
        long proposals,
        long applied,
        WriteAheadLog.Stats wal,
        long framesSent,
        long framesReceived) {
    public NodeSnapshot {
        replicas = List.copyOf(replicas);
    }

    /**
     * One replica on the node.
     *
     * @param configNumber the config the replica's group has reached (-1 for the controller)
     * @param shards the shards the replica holds, with their statuses (empty for the controller)
     */
    public record Replica(
            GroupId group,
            RaftStatus raft,
            long configNumber,
            SortedMap<Integer, ShardStatus> shards) {}

    /** A node with nothing yet. */
    static NodeSnapshot empty(NodeId node) {
        return new NodeSnapshot(
                node, List.of(), Optional.empty(), 0, 0, new WriteAheadLog.Stats(0, 0, 0, 0), 0, 0);
    }
}
