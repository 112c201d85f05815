package io.raftkv.shardkv.http;

import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.stream.Collectors;

/** The node's HTML page: the shard map and the replicas it hosts, at a glance. */
final class StatusPage {
    private StatusPage() {}

    static String of(NodeSnapshot snapshot) {
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"2\">")
                .append("<title>raftkv node ")
                .append(snapshot.node().value())
                .append("</title><style>body{font-family:sans-serif}td,th{padding:2px 10px;")
                .append("text-align:left}table{border-collapse:collapse}tr:nth-child(even)")
                .append("{background:#f0f0f0}</style></head><body>")
                .append("<h1>raftkv node ")
                .append(snapshot.node().value())
                .append("</h1>");
        snapshot.config()
                .ifPresentOrElse(
                        c -> shardMap(html, c), () -> html.append("<p>no config read yet</p>"));
        html.append("<h2>Replicas on this node</h2><table><tr><th>group</th><th>role</th>")
                .append("<th>term</th><th>leader</th><th>commit</th><th>applied</th>")
                .append("<th>config</th><th>shards</th></tr>");
        for (NodeSnapshot.Replica replica : snapshot.replicas()) {
            var raft = replica.raft();
            html.append("<tr><td>")
                    .append(replica.group().value())
                    .append("</td><td>")
                    .append(raft.role().name().toLowerCase())
                    .append("</td><td>")
                    .append(raft.term())
                    .append("</td><td>")
                    .append(raft.leader().map(n -> Integer.toString(n.value())).orElse("-"))
                    .append("</td><td>")
                    .append(raft.commitIndex())
                    .append("</td><td>")
                    .append(raft.appliedIndex())
                    .append("</td><td>")
                    .append(replica.configNumber() < 0 ? "-" : replica.configNumber())
                    .append("</td><td>")
                    .append(
                            replica.shards().entrySet().stream()
                                    .map(e -> e.getKey() + " " + e.getValue().name().toLowerCase())
                                    .collect(Collectors.joining(", ")))
                    .append("</td></tr>");
        }
        html.append("</table><p><a href=\"/status\">/status</a> (JSON) · ")
                .append("<a href=\"/metrics\">/metrics</a> (Prometheus)</p></body></html>");
        return html.toString();
    }

    private static void shardMap(StringBuilder html, ShardConfig config) {
        html.append("<h2>Shard config ")
                .append(config.number())
                .append("</h2><table><tr><th>shard</th><th>group</th></tr>");
        for (int shard = 0; shard < config.shardCount(); shard++) {
            html.append("<tr><td>")
                    .append(shard)
                    .append("</td><td>")
                    .append(
                            config.owner(shard)
                                    .map(g -> Integer.toString(g.value()))
                                    .orElse("unassigned"))
                    .append("</td></tr>");
        }
        html.append("</table><h2>Groups</h2><table><tr><th>group</th><th>members</th></tr>");
        config.groups()
                .forEach(
                        (group, members) ->
                                html.append("<tr><td>")
                                        .append(group.value())
                                        .append("</td><td>")
                                        .append(
                                                members.stream()
                                                        .map(
                                                                m ->
                                                                        m.node().value()
                                                                                + " @ "
                                                                                + escape(
                                                                                        m
                                                                                                .address()))
                                                        .collect(Collectors.joining(", ")))
                                        .append("</td></tr>"));
        html.append("</table>");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
