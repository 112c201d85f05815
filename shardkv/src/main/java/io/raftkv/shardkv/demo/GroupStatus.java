package io.raftkv.shardkv.demo;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.Optional;

/** One group as the status view shows it. */
public record GroupStatus(
        GroupId group,
        Optional<NodeId> leader,
        long term,
        long commitIndex,
        long appliedIndex,
        long counter,
        long writes,
        long reads) {}
