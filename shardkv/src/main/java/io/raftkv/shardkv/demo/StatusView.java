package io.raftkv.shardkv.demo;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardkv.kv.ShardStatus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Renders the demo's status table from two snapshots taken {@code elapsedMillis} apart. */
public final class StatusView {
    private StatusView() {}

    public static String render(
            long configNumber,
            List<GroupStatus> previous,
            List<GroupStatus> current,
            long elapsedMillis) {
        Map<GroupId, GroupStatus> before = new TreeMap<>();
        previous.forEach(status -> before.put(status.group(), status));
        StringBuilder out = new StringBuilder();
        out.append("shard config ").append(configNumber).append(System.lineSeparator());
        out.append(
                String.format(
                        "%-6s %-7s %-7s %-22s %8s  %s%n",
                        "group", "leader", "config", "shards", "ops/s", "migrating"));
        for (GroupStatus status : current) {
            GroupStatus old = before.getOrDefault(status.group(), status);
            out.append(
                    String.format(
                            "%-6s %-7s %-7s %-22s %8d  %s%n",
                            status.group().value(),
                            status.leader().map(NodeId::toString).orElse("-"),
                            status.configNumber() < 0 ? "?" : status.configNumber(),
                            status.owned(),
                            perSecond(status.commitIndex() - old.commitIndex(), elapsedMillis),
                            migrating(status)));
        }
        return out.toString();
    }

    private static String migrating(GroupStatus status) {
        String moving =
                status.held().entrySet().stream()
                        .filter(entry -> entry.getValue() != ShardStatus.SERVING)
                        .map(entry -> entry.getKey() + ":" + entry.getValue().name().toLowerCase())
                        .collect(Collectors.joining(" "));
        return moving.isEmpty() ? "-" : moving;
    }

    private static long perSecond(long count, long elapsedMillis) {
        return elapsedMillis <= 0 ? 0 : Math.max(0, count) * 1000 / elapsedMillis;
    }
}
