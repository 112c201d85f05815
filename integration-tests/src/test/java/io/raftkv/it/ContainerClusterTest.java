package io.raftkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import io.raftkv.shardkv.kv.Shards;
import io.raftkv.shardkv.server.FreePorts;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.containers.DockerComposeContainer;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The docker/ deliverables end to end: the image from docker/Dockerfile and the seven-node topology
 * of docker/docker-compose.yml (controller on n1-n3, group 100 on n1-n3, group 101 on n4-n6, joined
 * by the init services; n7 a spare), driven by the {@code raftkv} CLI inside the compose network:
 * {@code admin}, {@code kv} and {@code ping} through Testcontainers' execInContainer in n1, and
 * {@code shell} with a batch of commands on stdin through {@code docker exec -i} (one JVM per
 * batch). It writes keys on every shard, SIGKILLs the leader of group 101 and reads everything back
 * while it is down, restarts it, then kills a second member so that the restarted one is in every
 * majority, and checks the data, {@code admin status} and {@code admin query} along the way. Last,
 * it kills that member again and replaces it by the spare n7 with {@code admin replace}.
 *
 * <p>Runs only with {@code -Dit.docker=true}. Needs a Docker engine, the docker CLI and the
 * docker-compose v1 binary (Testcontainers' local compose; its containerized compose would pull
 * docker/compose), the runnable jar ({@code mvn install -DskipTests}, or the reactor's package
 * phase) and the Java base image {@code -Dit.javaImage} (default {@code raftkv-jre:21}, which
 * docker/build-jre-image.sh builds without a registry; docker/ci-prepare.sh does all of this).
 * Nothing is pulled: the integration-tests pom disables Ryuk and the startup checks and fixes the
 * Docker host address (TESTCONTAINERS_HOST_OVERRIDE; otherwise, inside a container, Testcontainers
 * starts alpine to find the gateway), no service is exposed through the socat ambassador, and
 * docker-compose builds the image from the local base image.
 */
@EnabledIfSystemProperty(named = "it.docker", matches = "true")
class ContainerClusterTest {
    private static final String CONTROLLERS = "n1:7001,n2:7001,n3:7001";
    private static final String IMAGE = "raftkv:it";
    private static final int SHARDS = 10;
    private static final int KEYS_PER_SHARD = 5;
    private static final List<String> JAVA =
            List.of(
                    "java",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Xmx64m",
                    "-jar",
                    "/opt/raftkv/raftkv.jar");
    private static final Duration SETTLE = Duration.ofSeconds(180);
    private static final Pattern STATUS_ROW =
            Pattern.compile("^(\\d+)\\s+(\\S+)\\s+(\\S+)\\s+(\\[[^\\]]*\\])\\s+(\\S+)\\s+(.+)$");

    private static final long START = System.nanoTime();
    private static final int NODES = 7;

    /** The host port each node's RESP port is published on, by node number. */
    private static final Map<Integer, Integer> REDIS_PORTS = new TreeMap<>();

    private static DockerComposeContainer<?> cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Path repo = repositoryRoot();
        try (Stream<Path> jars = Files.list(repo.resolve("shardkv/target"))) {
            assertThat(jars.anyMatch(p -> p.getFileName().toString().endsWith("-all.jar")))
                    .as("the runnable jar: run 'mvn -B install -DskipTests' first")
                    .isTrue();
        } catch (IOException noTarget) {
            fail("shardkv/target is missing: run 'mvn -B install -DskipTests' first");
        }
        File compose = repo.resolve("docker/docker-compose.yml").toFile();
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_IMAGE", System.getProperty("it.javaImage", "raftkv-jre:21"));
        env.put("RAFTKV_IMAGE", IMAGE);
        for (int node = 1; node <= NODES; node++) {
            // NB: free host ports, not the compose file's 6379 and up, which a demo may hold
            REDIS_PORTS.put(node, FreePorts.belowEphemeralRange());
            env.put("RAFTKV_REDIS_PORT_" + node, Integer.toString(REDIS_PORTS.get(node)));
        }

        // Build the one image here rather than with `up --build` (which builds it once per
        // service), and keep the output for the failure message.
        compose(repo, compose, env, "build", "n1");
        log("image " + IMAGE + " built on " + env.get("JAVA_IMAGE"));
        cluster =
                new DockerComposeContainer<>("raftkvit", compose)
                        .withLocalCompose(true)
                        .withPull(false)
                        .withBuild(false)
                        .withRemoveVolumes(true)
                        .withEnv(env);
        cluster.start();
        log("docker-compose up done");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Test
    void keepsEveryKeyThroughReplicaKillsAndRestarts() throws Exception {
        try {
            Map<Integer, Row> status = awaitSettled();
            log("both groups joined and serving");
            assertQuery();

            assertSingleCommands();
            assertRedisOverTls();
            log("Redis clients on the host reach n1 and n5 over TLS");
            Map<String, String> data = keysOnEveryShard("k", "v1");
            putAll(data);
            assertAllPresent(data);
            log("wrote and read back " + data.size() + " keys");

            String leader = status.get(101).leader();
            kill(leader);
            log("SIGKILLed " + leader + ", the leader of group 101");
            assertAllPresent(data);
            Map<String, String> more = keysOnEveryShard("while-down", "v2");
            putAll(more);
            data.putAll(more);
            assertAllPresent(data);
            log("all " + data.size() + " keys readable and writable with " + leader + " down");

            restart(leader);
            assertAllPresent(data);
            log("all keys there after restarting " + leader);

            // Now take down another member of group 101: the restarted node is in every majority
            // of the two that are left, so it must have recovered its log and caught up.
            String other = leader.equals("n4") ? "n5" : "n4";
            kill(other);
            assertAllPresent(data);
            log("all keys there with " + other + " down and " + leader + " restarted");
            restart(other);

            Map<Integer, Row> after = awaitSettled();
            assertThat(after.keySet()).containsExactly(100, 101);
            assertQuery();
            assertAllPresent(data);
            log("all keys there after restarting " + other + "; status settled");

            // A dead node is replaced by the spare n7: learner, caught up, promoted, old one out.
            kill(other);
            ExecResult replace = raftkv("admin", "replace", "101", other.substring(1), "7@n7:7001");
            assertThat(replace.getExitCode()).as(describe("admin replace", replace)).isZero();
            assertThat(replace.getStdout()).contains("g101 is").contains("n7");
            Map<Integer, Row> replaced = awaitSettled();
            assertThat(replaced.get(101).replicas()).contains("n7").doesNotContain(other);
            assertAllPresent(data);
            log("all keys there after replacing " + other + " by n7: " + replaced.get(101));
        } catch (Throwable failure) {
            printLogs();
            throw failure;
        }
    }

    /** Keys named {@code prefix-i}, {@value #KEYS_PER_SHARD} on each shard, with their values. */
    private static Map<String, String> keysOnEveryShard(String prefix, String value) {
        Map<String, String> keys = new LinkedHashMap<>();
        int[] perShard = new int[SHARDS];
        for (int i = 0; keys.size() < SHARDS * KEYS_PER_SHARD; i++) {
            String key = prefix + "-" + i;
            int shard = Shards.of(key.getBytes(StandardCharsets.UTF_8), SHARDS);
            if (perShard[shard] < KEYS_PER_SHARD) {
                perShard[shard]++;
                keys.put(key, value + "-" + i);
            }
        }
        return keys;
    }

    /** One-shot {@code kv} commands: each is a JVM in n1's container. */
    private static void assertSingleCommands() throws Exception {
        assertOutput(raftkv("kv", "put", "single", "one"), "OK");
        assertOutput(raftkv("kv", "append", "single", "+two"), "OK");
        assertOutput(raftkv("kv", "get", "single"), "one+two");
        assertOutput(raftkv("kv", "cas", "single", "one+two", "three"), "OK");
        ExecResult mismatch = raftkv("kv", "cas", "single", "one+two", "four");
        assertThat(mismatch.getExitCode()).as(describe("kv cas", mismatch)).isEqualTo(1);
        assertThat(mismatch.getStderr()).contains("MISMATCH");
        assertOutput(raftkv("kv", "delete", "single"), "OK");
        assertOutput(raftkv("kv", "get", "single"), "(nil)");
    }

    /**
     * A Redis client on the host reaches any node through the port compose publishes, over TLS with
     * the cluster CA: a key written through n1 (group 100's node) reads back through n5.
     */
    private static void assertRedisOverTls() throws Exception {
        Path ca = Files.createTempFile("raftkv-ca", ".crt");
        service("n1").copyFileFromContainer("/certs/ca.crt", ca.toString());
        SSLSocketFactory tls = trusting(ca).getSocketFactory();
        try (Jedis n1 = redis(1, tls);
                Jedis n5 = redis(5, tls)) {
            assertThat(n1.set("redis-key", "over tls")).isEqualTo("OK");
            assertThat(n5.get("redis-key")).isEqualTo("over tls");
            assertThat(n5.incr("redis-counter")).isEqualTo(1);
            assertThat(n1.info("server")).contains("raftkv_node:n1", "raftkv_tls:yes");
        } finally {
            Files.delete(ca);
        }
    }

    private static Jedis redis(int node, SSLSocketFactory tls) {
        return new Jedis(
                new HostAndPort("127.0.0.1", REDIS_PORTS.get(node)),
                DefaultJedisClientConfig.builder()
                        .ssl(true)
                        .sslSocketFactory(tls)
                        .socketTimeoutMillis(30_000)
                        .build());
    }

    private static SSLContext trusting(Path caFile) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trusted.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static void assertOutput(ExecResult result, String expected) {
        assertThat(result.getExitCode()).as(describe("raftkv", result)).isZero();
        assertThat(result.getStdout().strip()).isEqualTo(expected);
    }

    private static void putAll(Map<String, String> data) throws Exception {
        List<String> lines = new ArrayList<>();
        data.forEach((k, v) -> lines.add("put " + k + " " + v));
        List<String> results = shell(lines);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(results.get(i)).as(lines.get(i)).isEqualTo("OK");
        }
    }

    private static void assertAllPresent(Map<String, String> data) throws Exception {
        List<String> keys = new ArrayList<>(data.keySet());
        List<String> results = shell(keys.stream().map(k -> "get " + k).toList());
        for (int i = 0; i < keys.size(); i++) {
            // the shell prints values double-quoted, so that none looks like a missing key
            assertThat(results.get(i))
                    .as("the value of " + keys.get(i))
                    .isEqualTo('"' + data.get(keys.get(i)) + '"');
        }
    }

    /**
     * {@code raftkv shell} in n1's container, with {@code lines} on its stdin: one result line per
     * command. Through the docker CLI, which closes the exec's stdin at the end (Testcontainers'
     * execInContainer has no stdin, and docker-java does not half-close it).
     */
    private static List<String> shell(List<String> lines) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker", "exec", "-i"));
        command.add(service("n1").getContainerId());
        command.addAll(JAVA);
        command.addAll(List.of("shell", "--controllers", CONTROLLERS, "--timeout", "30"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("raftkv shell finished").isTrue();
        List<String> results =
                output.lines()
                        .map(line -> line.replace("raftkv> ", ""))
                        .filter(l -> !l.isBlank())
                        .toList();
        assertThat(process.exitValue()).as("raftkv shell: " + output).isZero();
        assertThat(results).as("raftkv shell output").hasSize(lines.size());
        return results;
    }

    /**
     * Polls {@code admin status} until groups 100 and 101 both have a leader, have reached the
     * latest config and migrate nothing; returns its rows by group.
     */
    private static Map<Integer, Row> awaitSettled() throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            ExecResult status = raftkv("admin", "status");
            last = describe("admin status", status);
            if (status.getExitCode() == 0) {
                Map<Integer, Row> rows = parseStatus(status.getStdout());
                boolean settled =
                        rows.keySet().equals(Set.of(100, 101))
                                && rows.values().stream().allMatch(settled(status.getStdout()));
                if (settled) {
                    assertThat(rows.get(100).shards()).isNotEqualTo("[]");
                    assertThat(rows.get(101).shards()).isNotEqualTo("[]");
                    return rows;
                }
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("the cluster did not settle within " + SETTLE + ": " + last);
    }

    private static Predicate<Row> settled(String statusText) {
        Matcher header =
                Pattern.compile("^config (\\d+), (\\d+) shards", Pattern.MULTILINE)
                        .matcher(statusText);
        String config = header.find() ? header.group(1) : "?";
        return row ->
                row.leader().matches("n[1-6]")
                        && row.config().equals(config)
                        && row.migrating().equals("-");
    }

    private static Map<Integer, Row> parseStatus(String text) {
        Map<Integer, Row> rows = new TreeMap<>();
        for (String line : text.split("\n")) {
            Matcher row = STATUS_ROW.matcher(line.strip());
            if (row.matches()) {
                rows.put(
                        Integer.parseInt(row.group(1)),
                        new Row(
                                row.group(2),
                                row.group(3),
                                row.group(4),
                                row.group(5),
                                row.group(6).strip()));
            }
        }
        return rows;
    }

    private record Row(
            String leader, String config, String shards, String migrating, String replicas) {}

    /** {@code admin query}: every shard owned by group 100 or 101, both with their members. */
    private static void assertQuery() throws Exception {
        ExecResult query = raftkv("admin", "query");
        assertThat(query.getExitCode()).as(describe("admin query", query)).isZero();
        String text = query.getStdout();
        assertThat(text)
                .contains("group 100: 1@n1:7001,2@n2:7001,3@n3:7001")
                .contains("group 101: 4@n4:7001,5@n5:7001,6@n6:7001")
                .doesNotContain("unassigned");
        for (int shard = 0; shard < SHARDS; shard++) {
            assertThat(text).containsPattern("shard " + shard + " -> group 10[01]");
        }
    }

    /** Runs the raftkv CLI in n1's container (inside the compose network; never killed here). */
    private static ExecResult raftkv(String... args) throws Exception {
        List<String> command = new ArrayList<>(JAVA);
        command.add(args[0]);
        if (!args[0].equals("ping")) {
            command.addAll(List.of("--controllers", CONTROLLERS, "--timeout", "30"));
        }
        command.addAll(List.of(args).subList(1, args.length));
        return service("n1").execInContainer(command.toArray(String[]::new));
    }

    private static ContainerState service(String name) {
        return cluster.getContainerByServiceName(name)
                .orElseThrow(() -> new AssertionError("no container for service " + name));
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private static void kill(String node) throws InterruptedException {
        String id = service(node).getContainerId();
        docker().killContainerCmd(id).withSignal("KILL").exec();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Boolean.TRUE.equals(state(id).getRunning())) {
            assertThat(System.nanoTime()).as(node + " still running").isLessThan(deadline);
            Thread.sleep(200);
        }
        assertThat(state(id).getExitCodeLong()).as(node + "'s exit code").isEqualTo(137L);
    }

    /** Starts the stopped container again (same volume) and waits until it accepts connections. */
    private static void restart(String node) throws Exception {
        String id = service(node).getContainerId();
        docker().startContainerCmd(id).exec();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            ExecResult ping = raftkv("ping", node + ":7001");
            if (ping.getExitCode() == 0) {
                return;
            }
            assertThat(System.nanoTime()).as(describe("ping " + node, ping)).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static InspectContainerResponse.ContainerState state(String id) {
        return docker().inspectContainerCmd(id).exec().getState();
    }

    private static void printLogs() {
        for (String node : List.of("n1", "n2", "n3", "n4", "n5", "n6", "init-100", "init-101")) {
            try {
                Process logs =
                        new ProcessBuilder(
                                        "docker",
                                        "logs",
                                        "--tail",
                                        "40",
                                        service(node).getContainerId())
                                .redirectErrorStream(true)
                                .start();
                String text =
                        new String(logs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                logs.waitFor(30, TimeUnit.SECONDS);
                System.err.printf("---- %s ----%n%s", node, text);
            } catch (Exception | AssertionError e) {
                System.err.printf("---- %s: no logs (%s)%n", node, e);
            }
        }
    }

    /** Runs docker-compose with {@code args}; fails with its output if it exits non-zero. */
    private static void compose(Path repo, File file, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-f", file.getPath()));
        command.addAll(List.of(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException notFound) {
            throw new AssertionError(
                    "docker-compose (v1) is not on PATH: apt-get install docker-compose", notFound);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker/docker-compose.yml"))) {
                return dir;
            }
        }
        throw new AssertionError(
                "no docker/docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    private static String describe(String what, ExecResult result) {
        return "%s: exit %d, stdout [%s], stderr [%s]"
                .formatted(
                        what,
                        result.getExitCode(),
                        result.getStdout().strip(),
                        result.getStderr().strip());
    }

    private static void log(String message) {
        System.out.printf(
                "[ContainerClusterTest %5.1fs] %s%n", (System.nanoTime() - START) / 1e9, message);
    }
}
