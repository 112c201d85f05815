package io.raftkv.shardkv.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Role;
import io.raftkv.shardkv.kv.ShardStatus;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A node's metrics in Prometheus form (Micrometer), read from its latest {@link NodeSnapshot}:
 * proposals, applied entries, WAL bytes and fsync time, frames in and out, and per replica group
 * its leadership, term, commit and applied indexes, apply lag, config number and shards by status
 * (migration progress). Thread-safe.
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<NodeSnapshot> snapshots;
    private final Set<GroupId> registered = new HashSet<>();

    public NodeMetrics(Supplier<NodeSnapshot> snapshots) {
        this.snapshots = snapshots;
        counter(
                "raftkv.proposals",
                "Proposals accepted by leaders on this node",
                NodeSnapshot::proposals);
        counter(
                "raftkv.applied.entries",
                "Log entries applied on this node",
                NodeSnapshot::applied);
        counter(
                "raftkv.wal.bytes",
                "Bytes written to the write-ahead log",
                s -> s.wal().bytesWritten());
        counter("raftkv.frames.sent", "Frames sent to peers and clients", NodeSnapshot::framesSent);
        counter("raftkv.frames.received", "Frames received", NodeSnapshot::framesReceived);
        FunctionTimer.builder(
                        "raftkv.wal.fsync",
                        this,
                        m -> snapshots.get().wal().syncs(),
                        m -> snapshots.get().wal().syncNanosTotal(),
                        TimeUnit.NANOSECONDS)
                .description("Write-ahead log syncs and the time they took")
                .register(registry);
        TimeGauge.builder(
                        "raftkv.wal.fsync.max",
                        this,
                        TimeUnit.NANOSECONDS,
                        m -> snapshots.get().wal().syncNanosMax())
                .description("The longest write-ahead log sync so far")
                .register(registry);
        Gauge.builder(
                        "raftkv.config.latest",
                        this,
                        m -> snapshots.get().config().map(c -> (double) c.number()).orElse(-1.0))
                .description("The latest shard config number this node has read")
                .register(registry);
    }

    private void counter(String name, String description, ToDoubleFunction<NodeSnapshot> value) {
        FunctionCounter.builder(name, this, m -> value.applyAsDouble(snapshots.get()))
                .description(description)
                .register(registry);
    }

    /** The metrics in Prometheus' text format. */
    public synchronized String scrape() {
        for (NodeSnapshot.Replica replica : snapshots.get().replicas()) {
            if (registered.add(replica.group())) {
                registerGroup(replica.group());
            }
        }
        return registry.scrape();
    }

    private void registerGroup(GroupId group) {
        String tag = Integer.toString(group.value());
        groupGauge(
                "raftkv.raft.leader",
                "1 if this replica leads its group",
                group,
                tag,
                r -> r.raft().role() == Role.LEADER ? 1 : 0);
        groupGauge("raftkv.raft.term", "The replica's term", group, tag, r -> r.raft().term());
        groupGauge(
                "raftkv.raft.commit.index",
                "The replica's commit index",
                group,
                tag,
                r -> r.raft().commitIndex());
        groupGauge(
                "raftkv.raft.applied.index",
                "The replica's applied index",
                group,
                tag,
                r -> r.raft().appliedIndex());
        groupGauge(
                "raftkv.raft.apply.lag",
                "Committed entries not yet applied",
                group,
                tag,
                r -> r.raft().commitIndex() - r.raft().appliedIndex());
        if (group.equals(GroupId.CONTROLLER)) {
            return;
        }
        groupGauge(
                "raftkv.group.config",
                "The config the replica's group has reached",
                group,
                tag,
                NodeSnapshot.Replica::configNumber);
        for (ShardStatus status : ShardStatus.values()) {
            Gauge.builder(
                            "raftkv.shards",
                            this,
                            m ->
                                    replica(group)
                                            .map(
                                                    r ->
                                                            (double)
                                                                    r.shards().values().stream()
                                                                            .filter(status::equals)
                                                                            .count())
                                            .orElse(Double.NaN))
                    .description("Shards the replica holds, by status (migration progress)")
                    .tag("group", tag)
                    .tag("status", status.name().toLowerCase())
                    .register(registry);
        }
    }

    private void groupGauge(
            String name,
            String description,
            GroupId group,
            String tag,
            ToDoubleFunction<NodeSnapshot.Replica> value) {
        Gauge.builder(name, this, m -> replica(group).map(value::applyAsDouble).orElse(Double.NaN))
                .description(description)
                .tag("group", tag)
                .register(registry);
    }

    private Optional<NodeSnapshot.Replica> replica(GroupId group) {
        return snapshots.get().replicas().stream().filter(r -> r.group().equals(group)).findFirst();
    }
}
