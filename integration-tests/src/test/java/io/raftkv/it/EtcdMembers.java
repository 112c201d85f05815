package io.raftkv.it;

import io.raftkv.shardkv.server.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An etcd cluster of separate {@code etcd} member processes on loopback, for benchmarks that
 * compare raftkv with it: free ports, a data directory per member under {@code root}, a static
 * {@code --initial-cluster}, and etcd's defaults otherwise (an fsync per Raft ready batch, 100 ms
 * heartbeats). Each member's stdout and stderr go to files under {@code root}. {@link #close} kills
 * every member.
 *
 * <p>Not thread-safe: the test thread drives it.
 */
final class EtcdMembers implements AutoCloseable {
    private static final Duration HEALTHY_PATIENCE = Duration.ofSeconds(60);
    private static final Duration EXIT_PATIENCE = Duration.ofSeconds(20);
    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":\"(\\d+)\"");
    private static final Pattern LEADER_ID = Pattern.compile("\"leader\":\"(\\d+)\"");

    /** One member: its name and its client and peer ports. */
    private record Member(String name, int clientPort, int peerPort) {
        String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private final Path root;
    private final Path binary;
    private final List<Member> members = new ArrayList<>();
    private final List<Process> running = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Kills the members if the test JVM exits without {@link #close} (say, on a timeout). */
    private final Thread reaper =
            new Thread(
                    () -> {
                        synchronized (running) {
                            running.forEach(Process::destroyForcibly);
                        }
                    });

    /** {@code count} members, not started, each on two free ports. */
    EtcdMembers(Path root, int count, Path binary) throws IOException {
        this.root = root;
        this.binary = binary;
        for (int i = 1; i <= count; i++) {
            members.add(
                    new Member(
                            "etcd" + i,
                            FreePorts.belowEphemeralRange(),
                            FreePorts.belowEphemeralRange()));
        }
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * The {@code etcd} binary: {@code -Dbench.etcd}, else the first on {@code PATH}, else {@code
     * /usr/bin/etcd}. Throws with one line that says how to install it if there is none.
     */
    static Path binary() {
        Optional<Path> configured =
                Optional.ofNullable(System.getProperty("bench.etcd")).map(Path::of);
        Stream<Path> onPath =
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                        .filter(directory -> !directory.isEmpty())
                        .map(directory -> Path.of(directory, "etcd"));
        return configured
                .map(Stream::of)
                .orElseGet(() -> Stream.concat(onPath, Stream.of(Path.of("/usr/bin/etcd"))))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(
                        () ->
                                new AssertionError(
                                        "no etcd binary (looked at -Dbench.etcd, PATH,"
                                                + " /usr/bin/etcd): run bench/etcd-compare.sh,"
                                                + " which installs it, or apt-get install"
                                                + " etcd-server"));
    }

    /** Launches every member at once, then waits until each says it is healthy. */
    void start() throws IOException {
        for (Member member : members) {
            Path dataDirectory = root.resolve(member.name() + ".data");
            Process process =
                    new ProcessBuilder(command(member, dataDirectory))
                            .redirectOutput(root.resolve(member.name() + ".stdout").toFile())
                            .redirectError(root.resolve(member.name() + ".stderr").toFile())
                            .start();
            synchronized (running) {
                running.add(process);
            }
        }
        for (int i = 0; i < members.size(); i++) {
            awaitHealthy(members.get(i), running.get(i));
        }
    }

    private List<String> command(Member member, Path dataDirectory) {
        List<String> peers = new ArrayList<>();
        for (Member peer : members) {
            peers.add(peer.name() + "=" + peer.peerUrl());
        }
        return List.of(
                binary.toString(),
                "--name",
                member.name(),
                "--data-dir",
                dataDirectory.toString(),
                "--listen-client-urls",
                member.clientUrl(),
                "--advertise-client-urls",
                member.clientUrl(),
                "--listen-peer-urls",
                member.peerUrl(),
                "--initial-advertise-peer-urls",
                member.peerUrl(),
                "--initial-cluster",
                String.join(",", peers),
                "--initial-cluster-token",
                "raftkv-bench-" + ProcessHandle.current().pid(),
                "--initial-cluster-state",
                "new",
                "--logger",
                "zap",
                "--log-outputs",
                "stderr");
    }

    private void awaitHealthy(Member member, Process process) {
        long deadline = System.nanoTime() + HEALTHY_PATIENCE.toNanos();
        while (!get(member.clientUrl() + "/health").contains("\"health\":\"true\"")) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "%s exited with %d; its stderr ends:%n%s"
                                .formatted(member.name(), process.exitValue(), stderrTail(member)));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "%s not healthy within %s; its stderr ends:%n%s"
                                .formatted(member.name(), HEALTHY_PATIENCE, stderrTail(member)));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Every member's client URL, in member order. */
    List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /**
     * The client URL of the member that is leader now, as the members' status (etcd's JSON gateway,
     * {@code /v3/maintenance/status}) says.
     */
    String leaderClientUrl() {
        for (Member member : members) {
            String status = post(member.clientUrl() + "/v3/maintenance/status", "{}");
            Matcher self = MEMBER_ID.matcher(status);
            Matcher leader = LEADER_ID.matcher(status);
            if (self.find() && leader.find() && self.group(1).equals(leader.group(1))) {
                return member.clientUrl();
            }
        }
        throw new AssertionError("no etcd member says it is the leader");
    }

    /** The last lines of every member's stderr. */
    String logTails() {
        StringBuilder text = new StringBuilder();
        for (Member member : members) {
            text.append("---- ").append(member.name()).append(".stderr\n");
            text.append(stderrTail(member)).append('\n');
        }
        return text.toString();
    }

    private String stderrTail(Member member) {
        Path file = root.resolve(member.name() + ".stderr");
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private String post(String url, String body) {
        return send(
                HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The response body, or "" if the member did not answer (it may still be starting). */
    private String send(HttpRequest.Builder request) {
        try {
            return http.send(
                            request.timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while asking etcd", e);
        }
    }

    /** SIGKILLs every member and waits until all are gone. */
    @Override
    public void close() {
        running.forEach(Process::destroyForcibly);
        for (Process process : running) {
            try {
                if (!process.waitFor(EXIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError(
                            "etcd pid %d survived SIGKILL".formatted(process.pid()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while killing etcd", e);
            }
        }
        synchronized (running) {
            running.clear();
        }
        http.close();
        Runtime.getRuntime().removeShutdownHook(reaper);
    }
}
