package io.raftkv.shardkv.cli;

import io.raftkv.common.NodeId;
import io.raftkv.shardkv.demo.DemoCluster;
import io.raftkv.shardkv.demo.GroupStatus;
import io.raftkv.shardkv.demo.StatusView;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
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
                "Runs an embedded local cluster: N nodes in this JVM, each hosting a replica of"
                        + " every Raft group, with clients writing to a replicated counter per group"
                        + " and reading it linearizably. Shows leaders, terms, commit indexes and"
                        + " throughput every second.")
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
            description = "Raft groups (1-100). Default: ${DEFAULT-VALUE}.")
    int groups;

    @Option(
            names = "--duration",
            defaultValue = "0",
            description =
                    "Stop after this many seconds; 0 runs until Ctrl-C. Default: ${DEFAULT-VALUE}.")
    int durationSeconds;

    @Option(
            names = "--chaos",
            description = "Every 6 s, isolate the node leading the most groups for 3 s.")
    boolean chaos;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for election timeouts.")
    long seed;

    @Override
    public Integer call() throws InterruptedException {
        if (nodes < 1 || nodes > 9 || groups < 1 || groups > 100 || durationSeconds < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--nodes must be 1-9, --groups 1-100, --duration >= 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null;
        try (DemoCluster cluster = new DemoCluster(nodes, groups, seed)) {
            out.printf(
                    "raftkv demo: %d nodes %s, %d groups, each a replicated counter.%n"
                            + "Clients keep writes and linearizable reads in flight against every leader.%n"
                            + "%sCtrl-C stops.%n%n",
                    nodes,
                    cluster.nodeIds(),
                    groups,
                    chaos
                            ? "Chaos: the busiest leader's node is isolated for 3 s every 6 s. "
                            : "");
            out.flush();
            runStatusLoop(cluster, out, terminal);
        }
        return 0;
    }

    private void runStatusLoop(DemoCluster cluster, PrintWriter out, boolean terminal)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        List<GroupStatus> previous = cluster.status();
        long previousAt = start;
        for (int second = 1; durationSeconds == 0 || second <= durationSeconds; second++) {
            Thread.sleep(REFRESH_MILLIS);
            if (chaos) {
                ChaosSchedule.apply(cluster, second);
            }
            List<GroupStatus> current = cluster.status();
            long now = System.currentTimeMillis();
            List<NodeId> isolated = cluster.nodeIds().stream().filter(cluster::isIsolated).toList();
            if (terminal) {
                out.print("\033[H\033[2J");
            }
            out.printf("t=%ds%n", (now - start) / 1000);
            out.print(StatusView.render(previous, current, now - previousAt, isolated));
            out.println();
            out.flush();
            previous = current;
            previousAt = now;
        }
    }
}
