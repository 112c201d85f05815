package io.raftkv.shardkv.cli;

import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.demo.DemoCluster;
import io.raftkv.shardkv.demo.GroupStatus;
import io.raftkv.shardkv.demo.StatusView;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv demo}: an embedded local cluster with a live status view until Ctrl-C (or for
 * {@code --duration} seconds).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Runs a local raftkv cluster in this process: N nodes on loopback ports, the"
                        + " controller group, and G replica groups joined and balanced. Prints how"
                        + " to reach it, then the groups, leaders, shards, ops/s and migrations"
                        + " every second.")
final class DemoCommand implements Callable<Integer> {
    private static final long REFRESH_MILLIS = 1_000;

    @Spec CommandSpec spec;

    @Option(
            names = "--nodes",
            defaultValue = "3",
            description = "Nodes (1-9). Default: ${DEFAULT-VALUE}.")
    int nodes;

    @Option(
            names = "--groups",
            defaultValue = "3",
            description = "Replica groups (1-20). Default: ${DEFAULT-VALUE}.")
    int groups;

    @Option(
            names = "--data-dir",
            description =
                    "Keep the data here; a restart with the same directory brings it back."
                            + " Default: a temporary directory, deleted on exit.")
    Path dataDirectory;

    @Option(
            names = "--port",
            defaultValue = "7001",
            description =
                    "Node i listens on PORT+i-1; 0 picks free ports. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--redis-port",
            defaultValue = "6379",
            description =
                    "Node i serves the Redis protocol on PORT+i-1 (redis-cli -p PORT); 0 picks free"
                            + " ports, -1 serves none. Default: ${DEFAULT-VALUE}.")
    int redisPort;

    @Option(
            names = "--duration",
            defaultValue = "0",
            description =
                    "Stop after this many seconds; 0 runs until Ctrl-C. Default: ${DEFAULT-VALUE}.")
    int durationSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nodes < 1 || nodes > 9 || groups < 1 || groups > 20 || durationSeconds < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--nodes must be 1-9, --groups 1-20, --duration >= 0");
        }
        if (port < 0 || port + nodes > 65_536) {
            throw new ParameterException(spec.commandLine(), "--port out of range");
        }
        if (redisPort < DemoCluster.NO_REDIS || redisPort + nodes > 65_536) {
            throw new ParameterException(spec.commandLine(), "--redis-port out of range");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null;
        try (DemoCluster cluster = new DemoCluster(nodes, groups, dataDirectory, port, redisPort)) {
            out.printf(
                    "raftkv demo: %d nodes, %d replica groups, data in %s%n"
                            + "Plaintext on loopback, no TLS (README: a TLS cluster).%n"
                            + "Try, in another terminal:%n"
                            + "  export RAFTKV_CONTROLLERS=%s%n"
                            + "  ./raftkv kv put hello world && ./raftkv kv get hello%n"
                            + "  ./raftkv admin status%n"
                            + "%s"
                            + "Ctrl-C stops.%n%n",
                    nodes,
                    groups,
                    cluster.dataDirectory(),
                    cluster.controllerList(),
                    redisBanner(cluster.redisAddresses()));
            out.flush();
            runStatusLoop(cluster, out, terminal);
        }
        return 0;
    }

    /** The lines that say where the nodes speak RESP, or none. */
    private static String redisBanner(List<InetSocketAddress> addresses) {
        if (addresses.isEmpty()) {
            return "";
        }
        String ports =
                addresses.stream()
                        .map(a -> Integer.toString(a.getPort()))
                        .collect(Collectors.joining(", "));
        return ("Redis clients: every node speaks RESP, on ports %s (any node takes any key):%n"
                        + "  redis-cli -p %d set hello world && redis-cli -p %d get hello%n")
                .formatted(ports, addresses.get(0).getPort(), addresses.get(0).getPort());
    }

    private void runStatusLoop(DemoCluster cluster, PrintWriter out, boolean terminal)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        List<GroupStatus> previous = List.of();
        long previousAt = start;
        for (int second = 1; durationSeconds == 0 || second <= durationSeconds; second++) {
            Thread.sleep(REFRESH_MILLIS);
            Optional<ShardConfig> config = cluster.latestConfig();
            long now = System.currentTimeMillis();
            if (terminal) {
                out.print("\033[H\033[2J");
            }
            out.printf("t=%ds%n", (now - start) / 1000);
            if (config.isEmpty()) {
                out.println("the controller did not answer");
            } else {
                List<GroupStatus> current = cluster.status(config.get());
                out.print(
                        StatusView.render(
                                config.get().number(),
                                previous.isEmpty() ? current : previous,
                                current,
                                now - previousAt));
                previous = current;
            }
            out.println();
            out.flush();
            previousAt = now;
        }
    }
}
