package io.raftkv.shardkv.demo;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardkv.kv.ShardStatus;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * One replica group as the demo shows it.
 *
 * @param leader the member that answered for the group, if any did
 * @param owned the shards the latest config gives the group
 * @param configNumber the config the group has reached (-1 if it did not answer)
 * @param held the group's own shards and their statuses (empty if it did not answer)
 * @param commitIndex the highest commit index of its replicas, for ops/s
 */
public record GroupStatus(
        GroupId group,
        Optional<NodeId> leader,
        List<Integer> owned,
        long configNumber,
        SortedMap<Integer, ShardStatus> held,
        long commitIndex) {}
