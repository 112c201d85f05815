package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.GenericMapOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.server.FreePorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * Redis clients against three real {@code raftkv node --redis} processes hosting groups 100 and
 * 101: Jedis (RESP2), Lettuce (RESP3) and {@code redis-cli} run every command, pipeline, and get
 * Redis-style errors; any node takes any key. Last, concurrent Jedis clients run while a node is
 * killed, and their history must be linearizable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisProcessTest {
    private static final int NODES = 3;

    /** Longer than a node's 10 s operation timeout, so the server answers before the socket. */
    private static final int SOCKET_TIMEOUT_MILLIS = 15_000;

    @TempDir static Path root;
    private final TreeMap<NodeId, Integer> redisPorts = new TreeMap<>();
    private NodeProcesses nodes;

    @BeforeAll
    void startCluster() throws Exception {
        for (int i = 1; i <= NODES; i++) {
            redisPorts.put(NodeId.of(i), FreePorts.belowEphemeralRange());
        }
        NodeProcesses.Launcher plain = NodeProcesses.shardKvNodes(NODES);
        NodeProcesses.Launcher withRedis =
                new NodeProcesses.Launcher() {
                    @Override
                    public List<String> arguments(
                            NodeId id, Map<NodeId, InetSocketAddress> members, Path data) {
                        List<String> arguments =
                                new ArrayList<>(plain.arguments(id, members, data));
                        arguments.addAll(List.of("--redis", "127.0.0.1:" + redisPorts.get(id)));
                        return arguments;
                    }

                    @Override
                    public String readyLine(InetSocketAddress address) {
                        return plain.readyLine(address);
                    }
                };
        nodes = new NodeProcesses(root, NODES, withRedis);
        nodes.startAll();
        List<Member> members = nodes.controllers(NODES);
        try (ControllerClient admin =
                new ControllerClient(
                        new ArrayList<>(nodes.members().values()), Duration.ofSeconds(60))) {
            assertThat(
                            admin.join(
                                    new TreeMap<>(
                                            Map.of(
                                                    GroupId.of(100),
                                                    members,
                                                    GroupId.of(101),
                                                    members))))
                    .isInstanceOf(ControllerResult.Done.class);
        }
        awaitServing();
    }

    /** Waits until a write through node 1 succeeds: the groups have leaders and the shards. */
    private void awaitServing() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Jedis jedis = jedis(NodeId.of(1))) {
                if ("OK".equals(jedis.set("warm", "up"))) {
                    return;
                }
            } catch (JedisDataException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "the cluster did not serve within 60 s\n" + nodes.logTails(), notYet);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    @AfterAll
    void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    private Jedis jedis(NodeId node) {
        return new Jedis("127.0.0.1", redisPorts.get(node), SOCKET_TIMEOUT_MILLIS);
    }

    @Test
    @Order(1)
    void jedisRunsEveryStringCommandAndAnyNodeTakesAnyKey() {
        try (Jedis one = jedis(NodeId.of(1));
                Jedis two = jedis(NodeId.of(2))) {
            assertThat(one.set("greeting", "hello")).isEqualTo("OK");
            assertThat(two.get("greeting"))
                    .as("written through n1, read through n2")
                    .isEqualTo("hello");
            assertThat(one.get("missing")).isNull();
            assertThat(one.set("greeting", "x", SetParams.setParams().nx())).isNull();
            assertThat(one.set("fresh", "1", SetParams.setParams().xx())).isNull();
            assertThat(one.setGet("greeting", "hi", SetParams.setParams().xx())).isEqualTo("hello");
            assertThat(one.setnx("greeting", "no")).isZero();
            assertThat(one.setnx("fresh", "yes")).isEqualTo(1);
            assertThat(two.getSet("fresh", "again")).isEqualTo("yes");
            assertThat(two.getDel("fresh")).isEqualTo("again");
            assertThat(two.getDel("fresh")).isNull();
            assertThat(one.append("log", "ab")).isEqualTo(2);
            assertThat(two.append("log", "cde")).isEqualTo(5);
            assertThat(one.strlen("log")).isEqualTo(5);
            assertThat(one.incr("counter")).isEqualTo(1);
            assertThat(two.incrBy("counter", 41)).isEqualTo(42);
            assertThat(one.decr("counter")).isEqualTo(41);
            assertThat(two.decrBy("counter", 50)).isEqualTo(-9);
            assertThat(one.mset("m1", "a", "m2", "b", "m3", "c")).isEqualTo("OK");
            assertThat(two.mget("m1", "nope", "m3")).containsExactly("a", null, "c");
            assertThat(one.exists("m1", "m2", "nope")).isEqualTo(2);
            assertThat(two.del("m1", "m2", "nope")).isEqualTo(2);
            assertThat(one.exists("m1")).isFalse();
            assertThat(one.ping()).isEqualTo("PONG");
            assertThat(one.echo("echo me")).isEqualTo("echo me");
            assertThat(one.select(0)).isEqualTo("OK");
            assertThat(one.clientSetname("tester")).isEqualTo("OK");
            assertThat(one.clientGetname()).isEqualTo("tester");
            assertThat(one.clientId()).isPositive();
            // INFO reads the node's status snapshot, taken every few drives: wait for it to
            // show the replica the node hosts
            awaitInfo(one, "replication", "raftkv_replica_g100:");
            assertThat(one.info("replication")).contains("role:master");
            assertThat(two.info()).contains("raftkv_node:n2", "connected_clients:", "# Keyspace");
        }
    }

    @Test
    @Order(2)
    void unsupportedOptionsAndCommandsAndBadValuesAreRedisErrors() {
        try (Jedis jedis = jedis(NodeId.of(2))) {
            assertThatThrownBy(() -> jedis.set("k", "v", SetParams.setParams().ex(10)))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR EX, PX");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.FLUSHALL))
                    .hasMessageStartingWith("ERR unknown command 'FLUSHALL'");
            assertThatThrownBy(() -> jedis.sendCommand(Protocol.Command.GET))
                    .hasMessage("ERR wrong number of arguments for 'get' command");
            jedis.set("text", "abc");
            assertThatThrownBy(() -> jedis.incr("text"))
                    .hasMessage("ERR value is not an integer or out of range");
            jedis.set("max", Long.toString(Long.MAX_VALUE));
            assertThatThrownBy(() -> jedis.incr("max"))
                    .hasMessage("ERR increment or decrement would overflow");
            assertThatThrownBy(() -> jedis.select(1))
                    .hasMessageStartingWith("ERR DB index is out of range");
            String tooLarge = "x".repeat((1 << 20) + 1);
            assertThatThrownBy(() -> jedis.set("big", tooLarge)).hasMessageEndingWith("too large");
            assertThat(jedis.ping()).as("the connection goes on after errors").isEqualTo("PONG");
        }
    }

    @Test
    @Order(3)
    void aJedisPipelineGetsItsRepliesInOrderAndReadsItsOwnWrites() {
        try (Jedis jedis = jedis(NodeId.of(3))) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> reads = new ArrayList<>();
            List<Response<Long>> counts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                pipeline.set("p" + i % 7, "v" + i);
                reads.add(pipeline.get("p" + i % 7));
                counts.add(pipeline.incr("pipelined-counter"));
            }
            pipeline.sync();
            for (int i = 0; i < 300; i++) {
                assertThat(reads.get(i).get()).as("read %d", i).isEqualTo("v" + i);
                assertThat(counts.get(i).get()).as("incr %d", i).isEqualTo(i + 1);
            }
        }
    }

    @Test
    @Order(4)
    void lettuceSpeaksResp3AndPipelinesAsynchronously() throws Exception {
        RedisClient client =
                RedisClient.create(
                        RedisURI.builder()
                                .withHost("127.0.0.1")
                                .withPort(redisPorts.get(NodeId.of(1)))
                                .withTimeout(Duration.ofMillis(SOCKET_TIMEOUT_MILLIS))
                                .build());
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> sync = connection.sync();
            Map<String, Object> hello =
                    sync.dispatch(
                            CommandType.HELLO,
                            new GenericMapOutput<>(StringCodec.UTF8),
                            new CommandArgs<>(StringCodec.UTF8).add(3));
            assertThat(hello).containsEntry("proto", 3L).containsEntry("server", "redis");
            assertThat(sync.set("lettuce", "3")).isEqualTo("OK");
            assertThat(sync.get("lettuce")).isEqualTo("3");
            assertThat(sync.get("lettuce-missing")).isNull();
            assertThat(sync.incrby("lettuce", 4)).isEqualTo(7);
            assertThat(sync.mget("lettuce", "lettuce-missing"))
                    .containsExactly(
                            KeyValue.just("lettuce", "7"), KeyValue.empty("lettuce-missing"));
            assertThat(sync.getdel("lettuce")).isEqualTo("7");
            assertThat(sync.clientId()).isPositive();
            List<RedisFuture<Long>> increments = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                increments.add(connection.async().incr("lettuce-async"));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(increments.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i + 1);
            }
            assertThatThrownBy(() -> sync.set("k", "v", io.lettuce.core.SetArgs.Builder.px(5)))
                    .hasMessageStartingWith("ERR EX, PX");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    @Order(5)
    void redisCliRunsCommandsPipesAndSpeaksResp3() throws Exception {
        assumeTrue(
                onPath("redis-cli"),
                "redis-cli is not installed (Debian's redis-tools; .ci/run installs it): skipped");
        String port = Integer.toString(redisPorts.get(NodeId.of(2)));
        assertThat(redisCli(null, "-p", port, "set", "cli-key", "cli value")).isEqualTo("OK\n");
        assertThat(redisCli(null, "-p", port, "get", "cli-key")).isEqualTo("cli value\n");
        assertThat(redisCli(null, "-p", port, "incr", "cli-counter")).isEqualTo("1\n");
        assertThat(redisCli(null, "-p", port, "-3", "hello", "3")).contains("proto 3\n");
        assertThat(redisCli(null, "-p", port, "command", "docs", "get")).contains("summary");
        StringBuilder commands = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            commands.append("SET cli-pipe-").append(i).append(' ').append(i).append("\r\n");
        }
        assertThat(redisCli(commands.toString(), "-p", port, "--pipe"))
                .contains("errors: 0, replies: 100");
        assertThat(redisCli("get cli-pipe-99\nmget cli-key cli-nope\n", "-p", port))
                .isEqualTo("99\ncli value\n\n");
    }

    private static boolean onPath(String program) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(directory, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs redis-cli with {@code arguments}, {@code input} on stdin; returns its stdout. */
    private static String redisCli(String input, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("redis-cli finished").isTrue();
        assertThat(process.exitValue()).as("redis-cli exit code; output: %s", out).isZero();
        return out;
    }

    @Test
    @Order(6)
    void concurrentRedisClientsStayLinearizableWhileANodeIsKilled() throws Exception {
        List<NodeId> ids = nodes.nodeIds();
        RedisWorkload workload = new RedisWorkload(i -> jedis(ids.get(i)), NODES, 6);
        workload.start(6);
        try {
            awaitCompleted(workload, 150, "before the kill");
            nodes.kill(NodeId.of(3));
            awaitCompleted(workload, 150, "with n3 dead");
            nodes.start(NodeId.of(3));
            awaitCompleted(workload, 50, "with n3 back");
            try (Jedis reader = jedis(NodeId.of(1))) {
                workload.stop(reader);
            }
        } catch (AssertionError | Exception failure) {
            throw new AssertionError(failure.getMessage() + "\n" + nodes.logTails(), failure);
        }
        workload.assertLinearizable();
    }

    private static void awaitInfo(Jedis jedis, String section, String text) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!jedis.info(section).contains(text)) {
            assertThat(System.nanoTime())
                    .as("INFO %s shows %s: %s", section, text, jedis.info(section))
                    .isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static void awaitCompleted(RedisWorkload workload, int more, String phase) {
        long target = workload.completed() + more;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (workload.completed() < target) {
            assertThat(System.nanoTime())
                    .as("%d more operations %s within 60 s", more, phase)
                    .isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
