package io.raftkv.raft.node;

import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.host.HostOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Raft node process replicating {@link ValueSetStateMachine} groups, for multi-process tests and
 * benchmarks (the full {@code raftkv node} command comes with the KV store):
 *
 * <pre>
 * java -cp ... io.raftkv.raft.node.RaftNodeMain --id 1 --data-dir DIR --groups 4 \
 *     --members 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003
 * </pre>
 *
 * It listens on its own member address, prints {@code READY <port>} once serving (and, with {@code
 * --stats-seconds N}, a {@code STATS ...} line every N seconds), and halts with exit code 70 on a
 * fault of its own ({@link FailStop}). Exit code 2 for a usage error.
 */
public final class RaftNodeMain {
    private RaftNodeMain() {}

    public static void main(String[] args) throws Exception {
        run(args, group -> new ValueSetStateMachine());
    }

    /**
     * Runs a node with {@code args} (as {@link #main} takes them) whose groups replicate the state
     * machines {@code stateMachines} makes; returns only on a usage or start error, after exiting.
     */
    public static void run(String[] args, RaftNode.StateMachineFactory stateMachines)
            throws Exception {
        Map<String, String> options;
        RaftNode.Config config;
        try {
            options = parse(args);
            config = config(options);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(
                    "usage: RaftNodeMain --id N --data-dir DIR --groups COUNT --members ID=HOST:PORT,...");
            System.exit(2);
            return;
        }
        RaftNode node;
        try {
            node = RaftNode.start(config, stateMachines);
        } catch (IOException e) {
            // A corrupt log, a full disk, an unreadable directory: say which, and stop.
            System.err.println("error: cannot start: " + e.getMessage());
            System.exit(74);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(node)));
        System.out.println("READY " + node.address().getPort());
        System.out.flush();
        long statsSeconds = Long.parseLong(options.getOrDefault("stats-seconds", "0"));
        if (statsSeconds > 0) {
            ScheduledExecutorService stats =
                    Executors.newSingleThreadScheduledExecutor(
                            runnable -> {
                                Thread thread = new Thread(runnable, "raftkv-stats");
                                thread.setDaemon(true);
                                return thread;
                            });
            stats.scheduleAtFixedRate(
                    () -> printStats(node), statsSeconds, statsSeconds, TimeUnit.SECONDS);
        }
        Thread.currentThread().join();
    }

    private static void printStats(RaftNode node) {
        System.out.println("STATS " + node.statsLine());
        System.out.flush();
    }

    private static void closeQuietly(RaftNode node) {
        try {
            node.close();
        } catch (Exception e) {
            System.err.println("error while stopping: " + e.getMessage());
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("id", "data-dir", "groups", "members")) {
            if (!options.containsKey(required)) {
                throw new IllegalArgumentException("missing --" + required);
            }
        }
        options.keySet().stream()
                .filter(
                        name ->
                                !List.of(
                                                "id",
                                                "data-dir",
                                                "groups",
                                                "members",
                                                "tick-millis",
                                                "stats-seconds",
                                                "cluster-id")
                                        .contains(name))
                .findFirst()
                .ifPresent(
                        unknown -> {
                            throw new IllegalArgumentException("unknown option --" + unknown);
                        });
        return options;
    }

    private static RaftNode.Config config(Map<String, String> options) {
        NodeId id = NodeId.of(Integer.parseInt(options.get("id")));
        Map<NodeId, InetSocketAddress> members = members(options.get("members"));
        int groupCount = Integer.parseInt(options.get("groups"));
        Membership everyone = new Membership(List.copyOf(members.keySet()));
        Map<GroupId, Membership> groups = new TreeMap<>();
        for (int g = 1; g <= groupCount; g++) {
            groups.put(GroupId.of(g), everyone);
        }
        long tickMillis = Long.parseLong(options.getOrDefault("tick-millis", "10"));
        InetSocketAddress listen = members.get(id);
        if (listen == null) {
            throw new IllegalArgumentException("--members does not list --id " + id.value());
        }
        return new RaftNode.Config(
                id,
                listen,
                members,
                Path.of(options.get("data-dir")),
                groups,
                HostOptions.defaults(),
                tickMillis,
                options.getOrDefault("cluster-id", "raftkv"),
                Optional.empty(),
                FailStop.haltProcess());
    }

    static Map<NodeId, InetSocketAddress> members(String spec) {
        Map<NodeId, InetSocketAddress> members = new TreeMap<>();
        for (String member : spec.split(",")) {
            String[] idAndAddress = member.split("=", 2);
            String[] hostAndPort =
                    idAndAddress.length == 2 ? idAndAddress[1].split(":", 2) : new String[0];
            if (hostAndPort.length != 2) {
                throw new IllegalArgumentException("a member is ID=HOST:PORT, got " + member);
            }
            members.put(
                    NodeId.of(Integer.parseInt(idAndAddress[0])),
                    new InetSocketAddress(hostAndPort[0], Integer.parseInt(hostAndPort[1])));
        }
        return members;
    }
}
