package io.raftkv.shardkv.cli;

import io.raftkv.common.NodeId;
import io.raftkv.shardkv.demo.DemoCluster;
import io.raftkv.shardkv.demo.GroupStatus;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/** The demo's --chaos: at second 6k the busiest leader's node is isolated; at 6k+3 it returns. */
final class ChaosSchedule {
    private ChaosSchedule() {}

    static void apply(DemoCluster cluster, int second) {
        if (second % 6 == 0) {
            busiestLeader(cluster).ifPresent(cluster::isolate);
        } else if (second % 6 == 3) {
            cluster.nodeIds().forEach(cluster::reconnect);
        }
    }

    private static java.util.Optional<NodeId> busiestLeader(DemoCluster cluster) {
        Map<NodeId, Integer> led = new TreeMap<>();
        for (GroupStatus status : cluster.status()) {
            status.leader().ifPresent(leader -> led.merge(leader, 1, Integer::sum));
        }
        return led.entrySet().stream()
                .max(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .map(Map.Entry::getKey);
    }
}
