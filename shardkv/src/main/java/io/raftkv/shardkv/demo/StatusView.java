package io.raftkv.shardkv.demo;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Renders the demo's status table from two snapshots taken {@code elapsedMillis} apart. */
public final class StatusView {
    private StatusView() {}

    public static String render(
            List<GroupStatus> previous,
            List<GroupStatus> current,
            long elapsedMillis,
            List<NodeId> isolated) {
        Map<GroupId, GroupStatus> before = new TreeMap<>();
        previous.forEach(status -> before.put(status.group(), status));
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(
                        "%-6s %-7s %5s %9s %9s %9s %9s %9s%n",
                        "group",
                        "leader",
                        "term",
                        "commit",
                        "applied",
                        "counter",
                        "writes/s",
                        "reads/s"));
        for (GroupStatus status : current) {
            GroupStatus old = before.getOrDefault(status.group(), status);
            out.append(
                    String.format(
                            "%-6s %-7s %5d %9d %9d %9d %9d %9d%n",
                            status.group(),
                            status.leader().map(NodeId::toString).orElse("-"),
                            status.term(),
                            status.commitIndex(),
                            status.appliedIndex(),
                            status.counter(),
                            perSecond(status.writes() - old.writes(), elapsedMillis),
                            perSecond(status.reads() - old.reads(), elapsedMillis)));
        }
        if (!isolated.isEmpty()) {
            out.append("isolated: ").append(isolated).append(System.lineSeparator());
        }
        return out.toString();
    }

    private static long perSecond(long count, long elapsedMillis) {
        return elapsedMillis <= 0 ? 0 : count * 1000 / elapsedMillis;
    }
}
