package io.raftkv.raft.scenario;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.RaftOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Runs a scenario file and returns it with every command's output regenerated.
 *
 * <p>The file format (a plain cousin of etcd's {@code datadriven}): a line starting with {@code >}
 * is a command; the lines after it, up to the next blank, comment or command line, are its output;
 * lines starting with {@code #} are comments and blank lines separate steps. Running a file keeps
 * its commands, comments and blank lines and replaces every output with what the commands print
 * now, so a file that runs unchanged is a passing scenario.
 *
 * <p>Commands ({@code nX} names node X; {@code key=value} arguments are optional unless shown):
 *
 * <pre>
 * cluster nodes=3 [snapshot-chunk-bytes=B]   must come first; node X gets seed X; bounds too:
 *   [command-bytes=B] [uncommitted-entries=N] [uncommitted-bytes=B] [pending-reads=N]
 * tick n1 [n2 ...] [ticks=K]                 K ticks (default 1) to each node, round by round
 * tick-election n1 [n2 ...]                 ticks non-leaders until an election timer fires
 * process-ready [n1 ...]                     handles each node's Ready (default: all nodes)
 * deliver [from=n1] [to=n2] [type=T]         delivers matching messages in flight, in send order
 * drop [from=n1] [to=n2] [type=T]            loses matching messages in flight
 * stabilize [n1 ...]                         Readys and deliveries among the nodes until quiet
 * isolate n1 / heal n1                       messages from or to n1 are dropped when delivered
 * propose n1 command                         a client command at n1
 * read n1 id=R                               a linearizable read (ReadIndex) at n1
 * transfer n1 to=n2                          n1 hands leadership to n2
 * compact n1 index=I                         n1 snapshots its state machine at I, compacts its log
 * status                                     role, term, leader and log indexes of every node
 * storage n1                                 what n1 persisted and applied
 * in-flight                                  the messages in flight
 * </pre>
 */
final class ScenarioScript {
    private ScenarioCluster cluster;

    private ScenarioScript() {}

    /** Runs {@code script} and returns it with regenerated output. */
    static String run(String script) {
        ScenarioScript runner = new ScenarioScript();
        StringBuilder result = new StringBuilder();
        List<String> lines = script.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(">")) {
                result.append(line).append('\n');
                for (String output : runner.execute(line.substring(1).strip(), i + 1)) {
                    result.append(output).append('\n');
                }
            } else if (line.isBlank() || line.startsWith("#")) {
                result.append(line).append('\n');
            }
            // Any other line is output of an earlier run: it is regenerated, not copied.
        }
        return result.toString();
    }

    private List<String> execute(String command, int lineNumber) {
        try {
            Command parsed = Command.parse(command);
            if (cluster == null) {
                Check.argument(parsed.name().equals("cluster"), "the first command is cluster");
                cluster = newCluster(parsed);
                return List.of();
            }
            int start = cluster.transcript().size();
            dispatch(parsed);
            return new ArrayList<>(
                    cluster.transcript().subList(start, cluster.transcript().size()));
        } catch (RuntimeException e) {
            throw new IllegalStateException("line %d: > %s".formatted(lineNumber, command), e);
        }
    }

    private static ScenarioCluster newCluster(Command command) {
        RaftOptions options = RaftOptions.defaults();
        if (command.has("snapshot-chunk-bytes")) {
            options = options.withSnapshotChunkBytes((int) command.number("snapshot-chunk-bytes"));
        }
        options =
                options.withProposalBounds(
                        (int) command.numberOr("command-bytes", options.commandBytesMax()),
                        (int)
                                command.numberOr(
                                        "uncommitted-entries", options.uncommittedEntriesMax()),
                        command.numberOr("uncommitted-bytes", options.uncommittedBytesMax()),
                        (int) command.numberOr("pending-reads", options.pendingReadsMax()));
        return new ScenarioCluster((int) command.number("nodes"), options);
    }

    private void dispatch(Command command) {
        switch (command.name()) {
            case "tick" -> cluster.tick(command.nodes(), (int) command.numberOr("ticks", 1));
            case "tick-election" -> cluster.tickElection(command.nodes());
            case "process-ready" -> cluster.processReady(command.nodesOrAll(cluster.nodes()));
            case "deliver" -> cluster.deliver(command.messageFilter());
            case "drop" -> cluster.drop(command.messageFilter());
            case "stabilize" -> cluster.stabilize(command.nodesOrAll(cluster.nodes()));
            case "isolate" -> cluster.isolate(command.node());
            case "heal" -> cluster.heal(command.node());
            case "propose" -> cluster.propose(command.node(), command.word(1));
            case "read" -> cluster.read(command.node(), command.number("id"));
            case "transfer" -> cluster.transfer(command.node(), command.nodeValue("to"));
            case "compact" -> cluster.compact(command.node(), command.number("index"));
            case "status" -> cluster.status();
            case "storage" -> cluster.describeStorage(command.node());
            case "in-flight" -> cluster.describeInFlight();
            default -> throw new IllegalArgumentException("unknown command " + command.name());
        }
    }

    /** One parsed command line: a name, positional words and {@code key=value} arguments. */
    private record Command(String name, List<String> words, TreeMap<String, String> arguments) {
        static Command parse(String line) {
            String[] tokens = line.split("\\s+");
            List<String> words = new ArrayList<>();
            TreeMap<String, String> arguments = new TreeMap<>();
            for (int i = 1; i < tokens.length; i++) {
                int equals = tokens[i].indexOf('=');
                if (equals > 0) {
                    arguments.put(tokens[i].substring(0, equals), tokens[i].substring(equals + 1));
                } else {
                    words.add(tokens[i]);
                }
            }
            return new Command(tokens[0], words, arguments);
        }

        boolean has(String key) {
            return arguments.containsKey(key);
        }

        long number(String key) {
            Check.argument(has(key), "%s needs %s=", name, key);
            return Long.parseLong(arguments.get(key));
        }

        long numberOr(String key, long otherwise) {
            return has(key) ? number(key) : otherwise;
        }

        String word(int position) {
            Check.argument(words.size() > position, "%s needs %d words", name, position + 1);
            return words.get(position);
        }

        NodeId node() {
            return nodeId(word(0));
        }

        NodeId nodeValue(String key) {
            Check.argument(has(key), "%s needs %s=", name, key);
            return nodeId(arguments.get(key));
        }

        List<NodeId> nodes() {
            Check.argument(!words.isEmpty(), "%s needs at least one node", name);
            return words.stream().map(Command::nodeId).toList();
        }

        List<NodeId> nodesOrAll(List<NodeId> all) {
            return words.isEmpty() ? all : nodes();
        }

        Predicate<Message> messageFilter() {
            Predicate<Message> filter = message -> true;
            if (has("from")) {
                NodeId from = nodeValue("from");
                filter = filter.and(message -> message.from().equals(from));
            }
            if (has("to")) {
                NodeId to = nodeValue("to");
                filter = filter.and(message -> message.to().equals(to));
            }
            if (has("type")) {
                String type = arguments.get("type");
                filter = filter.and(message -> ScenarioFormat.type(message).equals(type));
            }
            return filter;
        }

        private static NodeId nodeId(String word) {
            Check.argument(word.startsWith("n"), "a node is written nX, got %s", word);
            return NodeId.of(Integer.parseInt(word.substring(1)));
        }
    }
}
