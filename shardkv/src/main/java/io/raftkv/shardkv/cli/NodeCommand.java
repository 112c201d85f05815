package io.raftkv.shardkv.cli;

import io.raftkv.common.FailStop;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.TlsContexts;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.shardkv.http.HttpStatusServer;
import io.raftkv.shardkv.redis.RedisFrontEnd;
import io.raftkv.shardkv.server.ShardKvNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code raftkv node}: one server process, until SIGTERM or Ctrl-C. */
@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description =
                "Runs one server. A node listed in --controllers hosts a controller replica;"
                        + " replicas of groups appear when the controller's config names the node."
                        + " raftkv node @FILE reads the options from FILE, one per line.")
final class NodeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    @Option(names = "--id", required = true, description = "This node's id, 1 or more.")
    int id;

    @Option(
            names = "--listen",
            required = true,
            description = "HOST:PORT to listen on, for peers and clients.")
    String listen;

    @Option(names = "--data-dir", required = true, description = "Where the node keeps its data.")
    Path dataDirectory;

    @Option(
            names = "--shards",
            defaultValue = "10",
            description =
                    "Shards in the cluster (the same on every node). Default: ${DEFAULT-VALUE}.")
    int shards;

    @Option(
            names = "--store",
            defaultValue = "memory",
            description =
                    "Where replicas keep keys and values: memory (the heap) or mapdb (a file per"
                            + " group, off the heap). Default: ${DEFAULT-VALUE}.")
    String store;

    @Option(
            names = "--cluster-id",
            defaultValue = "${env:RAFTKV_CLUSTER_ID:-raftkv}",
            description =
                    "The cluster this node belongs to (letters, digits, '.', '_', '-'; at most 64):"
                            + " nodes refuse peers of another cluster, and the data directory"
                            + " keeps it. Default: $RAFTKV_CLUSTER_ID, else ${DEFAULT-VALUE}.")
    String clusterId;

    @Option(
            names = "--http",
            description =
                    "HOST:PORT to serve /metrics, /status and a status page on. Default: none.")
    String http;

    @Option(
            names = "--redis",
            description =
                    "HOST:PORT to serve the Redis protocol (RESP2 and RESP3) on: any Redis client"
                            + " can then read and write any key through this node (over TLS when"
                            + " the --tls-* options are set). Default: none.")
    String redis;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (id < 1 || shards < 1 || shards > 65_536) {
            throw new ParameterException(
                    spec.commandLine(), "--id must be 1 or more, --shards 1 to 65536");
        }
        if (!clusterId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--cluster-id must be 1 to 64 letters, digits, '.', '_' or '-', got '"
                            + clusterId
                            + "'");
        }
        if (!store.equals("memory") && !store.equals("mapdb")) {
            throw new ParameterException(
                    spec.commandLine(), "--store must be memory or mapdb, got " + store);
        }
        InetSocketAddress address = parseAddress("--listen", listen);
        ShardKvNode.Config config =
                new ShardKvNode.Config(
                        NodeId.of(id),
                        address,
                        dataDirectory,
                        cluster.controllers(),
                        shards,
                        1 << 20,
                        store.equals("mapdb"),
                        HostOptions.defaults(),
                        10,
                        clusterId,
                        cluster.tlsFiles(),
                        FailStop.haltProcess());
        InetSocketAddress httpAddress = http == null ? null : parseAddress("--http", http);
        InetSocketAddress redisAddress = redis == null ? null : parseAddress("--redis", redis);
        ShardKvNode node = ShardKvNode.start(config);
        HttpStatusServer httpServer =
                httpAddress == null ? null : HttpStatusServer.start(httpAddress, node::snapshot);
        RedisFrontEnd redisServer =
                redisAddress == null
                        ? null
                        : RedisFrontEnd.start(
                                node,
                                config.controllers(),
                                redisAddress,
                                config.tls(),
                                RedisFrontEnd.DEFAULT_TIMEOUT);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                "node %d listening on %s:%d, data in %s%nREADY %d%n",
                id,
                address.getHostString(),
                node.address().getPort(),
                dataDirectory,
                node.address().getPort());
        out.println(
                config.tls().isPresent()
                        ? "mutual TLS between nodes, TLS for clients ("
                                + TlsContexts.providerDescription()
                                + ")"
                        : "no TLS: peers and clients connect in plaintext");
        if (httpServer != null) {
            out.printf(
                    "http on %s:%d%n", httpAddress.getHostString(), httpServer.address().getPort());
        }
        if (redisServer != null) {
            out.printf(
                    "redis (RESP) on %s:%d%s%n",
                    redisAddress.getHostString(),
                    redisServer.address().getPort(),
                    config.tls().isPresent() ? " over TLS" : "");
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        if (redisServer != null) {
                                            redisServer.close();
                                        }
                                        if (httpServer != null) {
                                            httpServer.close();
                                        }
                                        node.close();
                                    } catch (IOException e) {
                                        System.err.println("error: closing the node: " + e);
                                    }
                                    stopped.countDown();
                                },
                                "raftkv-shutdown"));
        stopped.await();
        return 0;
    }

    /** {@code HOST:PORT} of option {@code name}, resolved; a usage error if it is no address. */
    private InetSocketAddress parseAddress(String name, String text) {
        try {
            InetSocketAddress parsed = Addresses.parse(text);
            return new InetSocketAddress(parsed.getHostString(), parsed.getPort());
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), name + ": " + bad.getMessage());
        }
    }
}
