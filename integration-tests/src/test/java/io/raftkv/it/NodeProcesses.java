package io.raftkv.it;

import io.raftkv.common.NodeId;
import io.raftkv.raft.node.RaftNodeMain;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.cli.Main;
import io.raftkv.shardkv.server.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Node processes on loopback ports ({@link RaftNodeMain} or {@code raftkv node}, as the {@link
 * Launcher} says), started with this JVM's own java binary and classpath, each with its own data
 * directory under {@code root} and a fixed port it keeps across restarts. Every start of a node
 * writes its stdout and stderr to files under {@code root} ({@code n1.start2.stderr}) for
 * diagnostics ({@link #logTails}). {@link #close} kills every process still running.
 *
 * <p>Not thread-safe: the test thread drives it.
 */
final class NodeProcesses implements AutoCloseable {
    /** What a node process runs, and the line it prints once it serves. */
    interface Launcher {
        /** The main class and its arguments for node {@code id}. */
        List<String> arguments(
                NodeId id, Map<NodeId, InetSocketAddress> members, Path dataDirectory);

        /** The stdout line that says the node at {@code address} is serving. */
        String readyLine(InetSocketAddress address);
    }

    /** {@link RaftNodeMain} nodes, each hosting {@code groupCount} groups. */
    static Launcher raftNodes(int groupCount) {
        return new Launcher() {
            @Override
            public List<String> arguments(
                    NodeId id, Map<NodeId, InetSocketAddress> members, Path dataDirectory) {
                StringBuilder memberList = new StringBuilder();
                members.forEach(
                        (member, address) ->
                                memberList
                                        .append(memberList.isEmpty() ? "" : ",")
                                        .append(member.value())
                                        .append("=127.0.0.1:")
                                        .append(address.getPort()));
                return List.of(
                        RaftNodeMain.class.getName(),
                        "--id",
                        Integer.toString(id.value()),
                        "--data-dir",
                        dataDirectory.toString(),
                        "--groups",
                        Integer.toString(groupCount),
                        "--members",
                        memberList.toString());
            }

            @Override
            public String readyLine(InetSocketAddress address) {
                return "READY " + address.getPort();
            }
        };
    }

    /**
     * {@code raftkv node} processes ({@link Main}); nodes 1 to {@code controllerCount} are the
     * controllers, the others start bare until a config names them. {@code options} are added to
     * every node's (say {@code --store mapdb}).
     */
    static Launcher shardKvNodes(int controllerCount, String... options) {
        return new Launcher() {
            @Override
            public List<String> arguments(
                    NodeId id, Map<NodeId, InetSocketAddress> members, Path dataDirectory) {
                List<String> arguments =
                        new ArrayList<>(
                                List.of(
                                        Main.class.getName(),
                                        "node",
                                        "--id",
                                        Integer.toString(id.value()),
                                        "--listen",
                                        "127.0.0.1:" + members.get(id).getPort(),
                                        "--data-dir",
                                        dataDirectory.toString(),
                                        "--controllers",
                                        controllerList(members, controllerCount)));
                arguments.addAll(List.of(options));
                return arguments;
            }

            @Override
            public String readyLine(InetSocketAddress address) {
                return "READY " + address.getPort();
            }
        };
    }

    /** The addresses of nodes 1 to {@code count}, as {@code --controllers} takes them. */
    static String controllerList(Map<NodeId, InetSocketAddress> members, int count) {
        List<String> entries = new ArrayList<>();
        members.forEach(
                (id, address) -> {
                    if (id.value() <= count) {
                        entries.add("127.0.0.1:" + address.getPort());
                    }
                });
        return String.join(",", entries);
    }

    /**
     * How long a node may take to print its ready line. NB: a node JVM takes about 2 s of CPU to
     * start; six launched at once on two cores busy with other builds took over 20 s.
     */
    static final Duration READY_PATIENCE = Duration.ofSeconds(60);

    /**
     * What test nodes run with: they start fast and stay small (C1 only, the serial collector),
     * which suits many short-lived processes on two cores but not a measurement of peak speed.
     */
    static final List<String> TEST_JVM_OPTIONS =
            List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final Duration EXIT_PATIENCE = Duration.ofSeconds(20);
    private static final int TAIL_LINES = 25;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final Path root;
    private final Launcher launcher;
    private final String heap;
    private final List<String> jvmOptions;
    private final TreeMap<NodeId, InetSocketAddress> members = new TreeMap<>();
    private final TreeMap<NodeId, Process> running = new TreeMap<>();

    /** What the harness did to the processes, with the wall-clock time, for diagnostics. */
    private final List<String> events = new ArrayList<>();

    /** Every process started, for the shutdown hook; killing one already dead does nothing. */
    private final List<Process> started = new CopyOnWriteArrayList<>();

    /** Kills the processes if the test JVM exits without {@link #close} (say, on a timeout). */
    private final Thread reaper = new Thread(() -> started.forEach(Process::destroyForcibly));

    /** How many times each node has been started, which names its log files. */
    private final TreeMap<NodeId, Integer> starts = new TreeMap<>();

    NodeProcesses(Path root, int nodeCount, Launcher launcher) throws IOException {
        this(root, nodeCount, launcher, "256m");
    }

    /** Nodes with {@code heap} ({@code -Xmx}) each rather than 256 MiB. */
    NodeProcesses(Path root, int nodeCount, Launcher launcher, String heap) throws IOException {
        this(root, nodeCount, launcher, heap, TEST_JVM_OPTIONS);
    }

    /**
     * Nodes with {@code heap} and {@code jvmOptions} in place of {@link #TEST_JVM_OPTIONS}: an
     * empty list runs them on the JVM's defaults, as {@code ./raftkv node} does.
     */
    NodeProcesses(Path root, int nodeCount, Launcher launcher, String heap, List<String> jvmOptions)
            throws IOException {
        this.root = root;
        this.launcher = launcher;
        this.heap = heap;
        this.jvmOptions = List.copyOf(jvmOptions);
        for (int i = 1; i <= nodeCount; i++) {
            members.put(
                    NodeId.of(i),
                    new InetSocketAddress("127.0.0.1", FreePorts.belowEphemeralRange()));
        }
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    Map<NodeId, InetSocketAddress> members() {
        return members;
    }

    List<NodeId> nodeIds() {
        return List.copyOf(members.keySet());
    }

    /** The nodes other than {@code ids}, in id order. */
    List<NodeId> othersThan(NodeId... ids) {
        List<NodeId> others = new ArrayList<>(members.keySet());
        others.removeAll(List.of(ids));
        return others;
    }

    Path dataDirectory(NodeId id) {
        return root.resolve("data-" + id);
    }

    /** Launches every node at once, then waits until each is serving. */
    void startAll() throws IOException {
        start(nodeIds());
    }

    /** Launches {@code ids} at once, then waits until each is serving. */
    void start(List<NodeId> ids) throws IOException {
        for (NodeId id : ids) {
            launch(id);
        }
        for (NodeId id : ids) {
            awaitReady(id);
        }
    }

    /** Nodes 1 to {@code count} as members, the way clients are told where the controllers are. */
    List<Member> controllers(int count) {
        List<Member> controllers = new ArrayList<>();
        members.forEach(
                (id, address) -> {
                    if (id.value() <= count) {
                        controllers.add(new Member(id, "127.0.0.1:" + address.getPort()));
                    }
                });
        return controllers;
    }

    /** {@code id} as {@code ID@127.0.0.1:PORT}, the form admin commands name a member in. */
    String member(NodeId id) {
        return id.value() + "@127.0.0.1:" + members.get(id).getPort();
    }

    /** Deletes the data directory of {@code id}, which must not be running: a lost disk. */
    void wipe(NodeId id) throws IOException {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is running");
        }
        try (Stream<Path> files = Files.walk(dataDirectory(id))) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        note("wiped the data directory of " + id);
    }

    /** Starts {@code id} with its data directory and port, and waits until it is serving. */
    void start(NodeId id) throws IOException {
        launch(id);
        awaitReady(id);
    }

    /** Starts {@code id} without waiting for it. */
    void launch(NodeId id) throws IOException {
        if (running.containsKey(id)) {
            throw new IllegalStateException(id + " is already running");
        }
        starts.merge(id, 1, Integer::sum);
        ProcessBuilder builder =
                new ProcessBuilder(command(id))
                        .redirectOutput(stdoutFile(id).toFile())
                        .redirectError(stderrFile(id).toFile());
        Process process = builder.start();
        started.add(process);
        running.put(id, process);
        note("launched " + id);
    }

    /** Adds {@code event} to the harness's events, which {@link #logTails} lists. */
    void note(String event) {
        events.add(TIME.format(LocalTime.now()) + " " + event);
    }

    private List<String> command(NodeId id) {
        String java =
                ProcessHandle.current()
                        .info()
                        .command()
                        .orElseThrow(() -> new IllegalStateException("no java binary"));
        List<String> command =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx" + heap,
                                "--enable-native-access=ALL-UNNAMED",
                                // the node's own INFO logging, not the test-jar's
                                // logback-test.xml (WARN), which is on the classpath too
                                "-Dlogback.configurationFile=logback-node.xml"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.addAll(launcher.arguments(id, members, dataDirectory(id)));
        return command;
    }

    /** Waits until {@code id}'s current process prints its ready line. */
    void awaitReady(NodeId id) {
        Process process = running.get(id);
        long deadline = System.nanoTime() + READY_PATIENCE.toNanos();
        String expected = launcher.readyLine(members.get(id));
        while (!read(stdoutFile(id)).lines().anyMatch(expected::equals)) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        "%s exited with %d before printing %s; its stderr ends:%n%s"
                                .formatted(
                                        id, process.exitValue(), expected, tail(stderrFile(id))));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "%s did not print %s within %s; its stderr ends:%n%s"
                                .formatted(id, expected, READY_PATIENCE, tail(stderrFile(id))));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        note(id + " is ready");
    }

    /** Waits for {@code id}'s current process to exit by itself, and returns its exit code. */
    int awaitExit(NodeId id) throws InterruptedException {
        Process process = running.get(id);
        if (!process.waitFor(EXIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(
                    "%s still runs %s after start; its stderr ends:%n%s"
                            .formatted(id, EXIT_PATIENCE, tail(stderrFile(id))));
        }
        running.remove(id);
        note(id + " exited with " + process.exitValue());
        return process.exitValue();
    }

    /** SIGKILLs {@code id}'s process (no shutdown hooks run) and waits until it is gone. */
    void kill(NodeId id) {
        Process process = running.remove(id);
        if (process == null) {
            throw new IllegalStateException(id + " is not running");
        }
        process.destroyForcibly();
        awaitGone(id, process);
        note("killed " + id);
    }

    /** SIGKILLs every running process at the same instant, then waits until all are gone. */
    void killAll() {
        TreeMap<NodeId, Process> victims = new TreeMap<>(running);
        running.clear();
        victims.values().forEach(Process::destroyForcibly);
        victims.forEach(this::awaitGone);
        note("killed " + victims.keySet());
    }

    private void awaitGone(NodeId id, Process process) {
        try {
            if (!process.waitFor(EXIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("%s survived SIGKILL for %s".formatted(id, EXIT_PATIENCE));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while killing " + id, e);
        }
    }

    /** A node process that exited by itself, and its exit code. */
    record Exit(NodeId node, int code) {}

    /**
     * Waits until one of the running processes exits by itself; its node is no longer running.
     * Fails after the exit patience.
     */
    Exit awaitFirstExit() {
        long deadline = System.nanoTime() + EXIT_PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            for (var entry : running.entrySet()) {
                if (!entry.getValue().isAlive()) {
                    Exit exit = new Exit(entry.getKey(), entry.getValue().exitValue());
                    running.remove(exit.node());
                    note(exit.node() + " exited with " + exit.code());
                    return exit;
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new AssertionError("no node exited within " + EXIT_PATIENCE);
    }

    /** Waits until {@code id}'s current process has written {@code text} to stderr. */
    void awaitStderr(NodeId id, String text) {
        long deadline = System.nanoTime() + READY_PATIENCE.toNanos();
        while (!stderr(id).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "%s did not log '%s' within %s; its stderr ends:%n%s"
                                .formatted(id, text, READY_PATIENCE, tail(stderrFile(id))));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Everything {@code id}'s current (or last) process wrote to stdout. */
    String stdout(NodeId id) {
        return read(stdoutFile(id));
    }

    /** Everything {@code id}'s current (or last) process wrote to stderr. */
    String stderr(NodeId id) {
        return read(stderrFile(id));
    }

    /** The harness's events and the last lines of every log of every start of every node. */
    String logTails() {
        StringBuilder text = new StringBuilder("---- harness events\n");
        events.forEach(event -> text.append(event).append('\n'));
        starts.forEach(
                (id, count) -> {
                    for (int start = 1; start <= count; start++) {
                        for (String stream : List.of("stdout", "stderr")) {
                            Path file = logFile(id, start, stream);
                            text.append("---- ").append(file.getFileName()).append('\n');
                            text.append(tail(file)).append('\n');
                        }
                    }
                });
        return text.toString();
    }

    private Path stdoutFile(NodeId id) {
        return logFile(id, starts.getOrDefault(id, 0), "stdout");
    }

    private Path stderrFile(NodeId id) {
        return logFile(id, starts.getOrDefault(id, 0), "stderr");
    }

    private Path logFile(NodeId id, int start, String stream) {
        return root.resolve("%s.start%d.%s".formatted(id, start, stream));
    }

    private static String tail(Path file) {
        List<String> lines = read(file).lines().toList();
        return String.join(
                "\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file)
                    ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                    : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops ({@code SIGSTOP}) or resumes ({@code SIGCONT}) {@code id}'s process. */
    void signal(NodeId id, String signal) throws IOException, InterruptedException {
        Process process = running.get(id);
        if (process == null) {
            throw new IllegalStateException(id + " is not running");
        }
        int exit =
                new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                        .inheritIO()
                        .start()
                        .waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill -%s %s failed: %d".formatted(signal, id, exit));
        }
        note("sent SIG%s to %s".formatted(signal, id));
    }

    boolean isRunning(NodeId id) {
        return running.containsKey(id);
    }

    /** Kills every process still running. */
    @Override
    public void close() {
        killAll();
        Runtime.getRuntime().removeShutdownHook(reaper);
    }
}
