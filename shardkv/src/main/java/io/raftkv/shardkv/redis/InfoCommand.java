package io.raftkv.shardkv.redis;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.shardkv.kv.ShardStatus;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * {@code INFO [section ...]}: the sections {@code server}, {@code clients}, {@code replication} and
 * {@code keyspace}, in Redis's {@code field:value} lines, telling raftkv's truth: which node this
 * is, the Raft groups it hosts and the role its replica has in each, the config it has seen and the
 * shards its replicas serve. Fields Redis does not have start with {@code raftkv_}. Key counts are
 * not kept, so {@code keyspace} has no {@code db0:keys=} line.
 */
final class InfoCommand {
    private static final List<String> SECTIONS =
            List.of("server", "clients", "replication", "keyspace");

    private InfoCommand() {}

    static CompletableFuture<RespReply> info(Call call) {
        TreeSet<String> asked = new TreeSet<>();
        for (int i = 1; i < call.command().count(); i++) {
            asked.add(call.command().text(i).toLowerCase(Locale.ROOT));
        }
        boolean all =
                asked.isEmpty()
                        || asked.contains("all")
                        || asked.contains("default")
                        || asked.contains("everything");
        NodeSnapshot node = call.backend().status();
        List<String> sections = new ArrayList<>();
        for (String section : SECTIONS) {
            if (all || asked.contains(section)) {
                sections.add(section(section, call, node));
            }
        }
        return KeyCommands.done(RespReply.bulk(String.join("\r\n", sections)));
    }

    private static String section(String name, Call call, NodeSnapshot node) {
        List<String> lines =
                switch (name) {
                    case "server" -> server(call.server(), node);
                    case "clients" -> clients(call.server());
                    case "replication" -> replication(node);
                    case "keyspace" -> keyspace(node);
                    default -> throw new IllegalStateException("no section " + name);
                };
        String title = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        return "# " + title + "\r\n" + String.join("\r\n", lines) + "\r\n";
    }

    private static List<String> server(ServerStats stats, NodeSnapshot node) {
        long uptimeSeconds = (System.currentTimeMillis() - stats.startMillis) / 1000;
        String version = InfoCommand.class.getPackage().getImplementationVersion();
        return List.of(
                "redis_version:" + ConnectionCommands.REDIS_VERSION,
                "raftkv_version:" + (version == null ? "dev" : version),
                "redis_mode:standalone",
                "raftkv_node:" + node.node(),
                "process_id:" + ProcessHandle.current().pid(),
                "tcp_port:" + stats.port,
                "raftkv_tls:" + (stats.tls ? "yes" : "no"),
                "uptime_in_seconds:" + uptimeSeconds,
                "uptime_in_days:" + uptimeSeconds / 86_400);
    }

    private static List<String> clients(ServerStats stats) {
        return List.of(
                "connected_clients:" + stats.connectedClients.get(),
                "maxclients:" + stats.clientsMax,
                "total_connections_received:" + stats.connectionsReceived.get(),
                "rejected_connections:" + stats.connectionsRejected.get(),
                "total_commands_processed:" + stats.commandsProcessed.get());
    }

    /**
     * Every node takes writes (it routes each to its group's leader), so to a Redis client each is
     * a master without replicas; the Raft roles follow as {@code raftkv_} fields.
     */
    private static List<String> replication(NodeSnapshot node) {
        List<String> lines = new ArrayList<>();
        lines.add("role:master");
        lines.add("connected_slaves:0");
        lines.add("raftkv_groups:" + node.replicas().size());
        lines.add(
                "raftkv_leader_of:"
                        + node.replicas().stream()
                                .filter(r -> r.raft().role() == Role.LEADER)
                                .map(r -> r.group().toString())
                                .collect(Collectors.joining(",")));
        for (NodeSnapshot.Replica replica : node.replicas()) {
            lines.add("raftkv_replica_" + replica.group() + ":" + describe(replica));
        }
        return lines;
    }

    private static String describe(NodeSnapshot.Replica replica) {
        RaftStatus raft = replica.raft();
        String text =
                "role=%s,term=%d,leader=%s,commit_index=%d,applied_index=%d"
                        .formatted(
                                raft.role().name().toLowerCase(Locale.ROOT),
                                raft.term(),
                                raft.leader().map(Object::toString).orElse("none"),
                                raft.commitIndex(),
                                raft.appliedIndex());
        if (replica.group().equals(GroupId.CONTROLLER)) {
            return text + ",controller=yes";
        }
        return text + ",config=%d,shards=%d".formatted(replica.configNumber(), serving(replica));
    }

    private static long serving(NodeSnapshot.Replica replica) {
        return replica.shards().values().stream().filter(ShardStatus::serves).count();
    }

    private static List<String> keyspace(NodeSnapshot node) {
        TreeSet<Integer> served = new TreeSet<>();
        for (NodeSnapshot.Replica replica : node.replicas()) {
            for (Map.Entry<Integer, ShardStatus> shard : replica.shards().entrySet()) {
                if (shard.getValue().serves() && replica.raft().role() == Role.LEADER) {
                    served.add(shard.getKey());
                }
            }
        }
        List<String> lines = new ArrayList<>();
        node.config()
                .ifPresent(
                        config -> {
                            lines.add("raftkv_config:" + config.number());
                            lines.add("raftkv_shards:" + config.shardCount());
                        });
        lines.add(
                "raftkv_shards_led_here:"
                        + served.stream().map(String::valueOf).collect(Collectors.joining(",")));
        return lines;
    }
}
