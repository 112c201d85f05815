package io.raftkv.shardkv.http;

import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@link NodeSnapshot} as JSON (written by hand: a few fixed fields). */
final class StatusJson {
    private StatusJson() {}

    static String of(NodeSnapshot snapshot) {
        List<String> replicas = new ArrayList<>();
        for (NodeSnapshot.Replica replica : snapshot.replicas()) {
            List<String> shards = new ArrayList<>();
            for (Map.Entry<Integer, ?> entry : replica.shards().entrySet()) {
                shards.add(
                        "\"%d\":\"%s\""
                                .formatted(
                                        entry.getKey(), entry.getValue().toString().toLowerCase()));
            }
            var raft = replica.raft();
            replicas.add(
                    ("{\"group\":%d,\"role\":\"%s\",\"term\":%d,\"leader\":%s,\"commitIndex\":%d,"
                                    + "\"appliedIndex\":%d,\"lastIndex\":%d,\"configNumber\":%d,"
                                    + "\"shards\":{%s}}")
                            .formatted(
                                    replica.group().value(),
                                    raft.role().name().toLowerCase(),
                                    raft.term(),
                                    raft.leader()
                                            .map(n -> Integer.toString(n.value()))
                                            .orElse("null"),
                                    raft.commitIndex(),
                                    raft.appliedIndex(),
                                    raft.lastIndex(),
                                    replica.configNumber(),
                                    String.join(",", shards)));
        }
        return "{\"node\":%d,\"config\":%s,\"replicas\":[%s]}"
                .formatted(
                        snapshot.node().value(),
                        snapshot.config().map(StatusJson::config).orElse("null"),
                        String.join(",", replicas));
    }

    private static String config(ShardConfig config) {
        List<String> owners = new ArrayList<>();
        config.owners().forEach(owner -> owners.add(Integer.toString(owner.value())));
        List<String> groups = new ArrayList<>();
        config.groups()
                .forEach(
                        (group, members) -> {
                            List<String> addresses = new ArrayList<>();
                            members.forEach(
                                    m ->
                                            addresses.add(
                                                    "{\"node\":%d,\"address\":\"%s\"}"
                                                            .formatted(
                                                                    m.node().value(),
                                                                    escape(m.address()))));
                            groups.add(
                                    "\"%d\":[%s]"
                                            .formatted(group.value(), String.join(",", addresses)));
                        });
        return "{\"number\":%d,\"owners\":[%s],\"groups\":{%s}}"
                .formatted(config.number(), String.join(",", owners), String.join(",", groups));
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append("\\u%04x".formatted((int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
