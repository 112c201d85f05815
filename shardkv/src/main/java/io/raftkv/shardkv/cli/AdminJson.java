package io.raftkv.shardkv.cli;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.ShardStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code admin query} and {@code admin status} with {@code --output json}: one object each. */
final class AdminJson {
    private AdminJson() {}

    /**
     * {@code {"config":N,"owners":[group or null per shard],"groups":{"100":[{"node":1,
     * "address":"h:p"}]},"recoveries":{"100":{"survivor":4,"fenced":[5,6]}}}}.
     */
    static String config(ShardConfig config) {
        List<String> owners = new ArrayList<>();
        for (int shard = 0; shard < config.shardCount(); shard++) {
            owners.add(config.owner(shard).map(g -> Integer.toString(g.value())).orElse("null"));
        }
        List<String> groups = new ArrayList<>();
        config.groups()
                .forEach((group, members) -> groups.add(Json.field(id(group), members(members))));
        List<String> recoveries = new ArrayList<>();
        config.recoveries()
                .forEach(
                        (group, recovery) ->
                                recoveries.add(Json.field(id(group), recovery(recovery))));
        return Json.object(
                List.of(
                        Json.field("config", Long.toString(config.number())),
                        Json.field("owners", Json.array(owners)),
                        Json.field("groups", Json.object(groups)),
                        Json.field("recoveries", Json.object(recoveries))));
    }

    /**
     * One group of {@code admin status}: its id, leader, the config it reached, its shards, the
     * shards migrating with their status, and its replicas as its leader reports them (each with
     * its role and how far it is behind), or null fields where no answer came.
     */
    static String group(
            GroupId group,
            List<Integer> shards,
            Optional<ShardKvClient.GroupView> view,
            Optional<ReplicaReport> leader) {
        List<String> migrating = new ArrayList<>();
        view.ifPresent(
                v -> {
                    for (Map.Entry<Integer, ShardStatus> entry : v.status().shards().entrySet()) {
                        if (entry.getValue() != ShardStatus.SERVING) {
                            migrating.add(
                                    Json.field(
                                            entry.getKey().toString(),
                                            Json.string(entry.getValue().name().toLowerCase())));
                        }
                    }
                });
        return Json.object(
                List.of(
                        Json.field("group", id(group)),
                        Json.field("leader", view.map(v -> number(v.leader())).orElse("null")),
                        Json.field(
                                "config",
                                view.map(v -> Long.toString(v.status().configNumber()))
                                        .orElse("null")),
                        Json.field(
                                "shards",
                                Json.array(shards.stream().map(Object::toString).toList())),
                        Json.field("migrating", view.isPresent() ? Json.object(migrating) : "null"),
                        Json.field("replicas", leader.map(AdminJson::replicas).orElse("null"))));
    }

    private static String recovery(Recovery recovery) {
        return Json.object(
                List.of(
                        Json.field("survivor", number(recovery.survivor())),
                        Json.field("fenced", nodes(List.copyOf(recovery.fenced())))));
    }

    /** Each member in the leader's report: {@code {"node":1,"role":"voter","behind":0}}. */
    private static String replicas(ReplicaReport report) {
        List<String> replicas = new ArrayList<>();
        for (NodeId member : report.membership().members()) {
            replicas.add(
                    Json.object(
                            List.of(
                                    Json.field("node", number(member)),
                                    Json.field(
                                            "role",
                                            Json.string(
                                                    report.membership().isLearner(member)
                                                            ? "learner"
                                                            : "voter")),
                                    Json.field(
                                            "leader",
                                            Boolean.toString(
                                                    report.leader().equals(Optional.of(member)))),
                                    Json.field(
                                            "behind",
                                            report.lag(member)
                                                    .map(Object::toString)
                                                    .orElse("null")))));
        }
        return Json.array(replicas);
    }

    private static String members(List<Member> members) {
        List<String> entries = new ArrayList<>();
        for (Member member : members) {
            entries.add(
                    Json.object(
                            List.of(
                                    Json.field("node", number(member.node())),
                                    Json.field("address", Json.string(member.address())))));
        }
        return Json.array(entries);
    }

    private static String nodes(List<NodeId> nodes) {
        return Json.array(nodes.stream().map(AdminJson::number).toList());
    }

    private static String id(GroupId group) {
        return Integer.toString(group.value());
    }

    private static String number(NodeId node) {
        return Integer.toString(node.value());
    }
}
