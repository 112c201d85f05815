package io.raftkv.shardkv.cli;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.client.ControllerUnavailableException;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Members;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.ShardStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code raftkv admin}: changes and shows which group serves which shard. */
@Command(
        name = "admin",
        mixinStandardHelpOptions = true,
        description =
                "Joins, removes and moves replica groups; adds, removes, replaces and drains"
                        + " their replicas; shows shard configs and groups.")
final class AdminCommand {
    @Spec CommandSpec spec;

    @Mixin ClusterOptions cluster;

    /** Whether a change returns once committed, not once done ({@code --no-wait}). */
    @Option(
            names = "--no-wait",
            scope = ScopeType.INHERIT,
            description =
                    "Return once the controller has committed the change, without waiting for"
                            + " the groups to carry it out.")
    boolean noWait;

    /** How query and status print. */
    @Mixin OutputOption output;

    @Option(
            names = "--wait-seconds",
            scope = ScopeType.INHERIT,
            defaultValue = "600",
            description = "How long to wait for the groups to carry a change out (default 600).")
    int waitSeconds;

    @Command(
            name = "join",
            mixinStandardHelpOptions = true,
            description =
                    "Adds replica group GID served by the nodes MEMBERS (ID@HOST:PORT,...);"
                            + " shards are rebalanced onto it. Each node id and address is"
                            + " listed once, and a node keeps one address in every group."
                            + " Joining a group that is already there with the same members,"
                            + " in any order, succeeds without a change.")
    int join(
            @Parameters(paramLabel = "GID", description = "Group id, 1 or more.") int group,
            @Parameters(paramLabel = "MEMBERS") String members)
            throws ControllerUnavailableException {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        List<Member> joining = parseMembers(members);
        Members.duplicate(groupId(group), joining)
                .ifPresent(
                        duplicate -> {
                            throw new ParameterException(spec.commandLine(), duplicate);
                        });
        groups.put(groupId(group), joining);
        try (ControllerClient controller = controller()) {
            ControllerResult result = controller.join(groups);
            if (result instanceof ControllerResult.Rejected rejected
                    && rejected.reason() == ControllerResult.Reason.GROUP_EXISTS) {
                ShardConfig latest = controller.query(-1);
                List<Member> serving = latest.groups().get(groupId(group));
                if (serving != null && Members.sameSet(joining, serving)) {
                    spec.commandLine()
                            .getOut()
                            .printf(
                                    "OK group %d already joined (config %d)%n",
                                    group, latest.number());
                    return 0;
                }
            }
            return report(result);
        }
    }

    @Command(
            name = "leave",
            mixinStandardHelpOptions = true,
            description = "Removes replica groups; their shards move to the others.")
    int leave(@Parameters(paramLabel = "GID", arity = "1..*") List<Integer> groups)
            throws ControllerUnavailableException {
        List<GroupId> ids = groups.stream().map(this::groupId).toList();
        try (ControllerClient controller = controller()) {
            ControllerResult result = controller.leave(ids);
            if (noWait || !(result instanceof ControllerResult.Done done)) {
                return report(result);
            }
            return waiter().awaitHandover(controller, done.configNumber(), ids);
        }
    }

    @Command(
            name = "move",
            mixinStandardHelpOptions = true,
            description = "Gives SHARD to group GID (until the next join or leave rebalances).")
    int move(@Parameters(paramLabel = "SHARD") int shard, @Parameters(paramLabel = "GID") int group)
            throws ControllerUnavailableException {
        try (ControllerClient controller = controller()) {
            return report(controller.move(shard, groupId(group)));
        }
    }

    @Command(
            name = "add-replica",
            mixinStandardHelpOptions = true,
            description =
                    "Adds node ID at HOST:PORT to group GID's members; no shard moves. A node id"
                            + " that served GID before is refused: use a new id.")
    int addReplica(
            @Parameters(paramLabel = "GID", description = "Group id, 1 or more.") int group,
            @Parameters(paramLabel = "ID@HOST:PORT") String member)
            throws ControllerUnavailableException {
        GroupId id = groupId(group);
        Member added = parseMember(member);
        try (ControllerClient controller = controller()) {
            return reportAndAwaitMembers(controller, controller.addReplica(id, added));
        }
    }

    @Command(
            name = "remove-replica",
            mixinStandardHelpOptions = true,
            description =
                    "Removes node NODE from group GID's members; no shard moves. The node id never"
                            + " serves GID again. A group's last replica goes with admin leave.")
    int removeReplica(
            @Parameters(paramLabel = "GID", description = "Group id, 1 or more.") int group,
            @Parameters(paramLabel = "NODE", description = "Node id, 1 or more.") int node)
            throws ControllerUnavailableException {
        GroupId id = groupId(group);
        NodeId removed = nodeId(node);
        try (ControllerClient controller = controller()) {
            return reportAndAwaitMembers(controller, controller.removeReplica(id, removed));
        }
    }

    @Command(
            name = "replace",
            mixinStandardHelpOptions = true,
            description =
                    "Replaces group GID's replica on node OLD_NODE by a new node NEW_ID at"
                            + " HOST:PORT, in one config; no shard moves. Use it for a node that"
                            + " lost its data: it comes back under a new id. Running it again"
                            + " once done succeeds without a change.")
    int replace(
            @Parameters(paramLabel = "GID", description = "Group id, 1 or more.") int group,
            @Parameters(paramLabel = "OLD_NODE", description = "Node id, 1 or more.") int old,
            @Parameters(paramLabel = "NEW_ID@HOST:PORT") String replacement)
            throws ControllerUnavailableException {
        GroupId id = groupId(group);
        NodeId oldNode = nodeId(old);
        Member added = parseMember(replacement);
        try (ControllerClient controller = controller()) {
            return reportAndAwaitMembers(controller, controller.replaceReplica(id, oldNode, added));
        }
    }

    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description =
                    "Moves every replica on node NODE to other nodes of the latest config, in one"
                            + " config: each to the node serving the fewest replicas (ties to the"
                            + " lowest id) that does not serve the group and never did.")
    int drain(@Parameters(paramLabel = "NODE", description = "Node id, 1 or more.") int node)
            throws ControllerUnavailableException {
        NodeId drained = nodeId(node);
        try (ControllerClient controller = controller()) {
            return reportAndAwaitMembers(controller, controller.drain(drained));
        }
    }

    @Command(
            name = "unsafe-recover",
            mixinStandardHelpOptions = true,
            description = {
                "UNSAFE, the last resort for group GID after it lost a majority of its replicas"
                        + " for good: makes the replica on node --keep the group's only voter,"
                        + " without the others. Writes acknowledged by the lost replicas but"
                        + " missing on that node are lost, and writes it holds that were never"
                        + " acknowledged are applied.",
                "The other replicas never serve GID again (their nodes delete them): add new"
                        + " replicas afterwards with add-replica. Refused while a replica of GID"
                        + " still leads a majority. Running it again once done succeeds without"
                        + " a change."
            })
    int unsafeRecover(
            @Parameters(paramLabel = "GID", description = "Group id, 1 or more.") int group,
            @Option(
                            names = "--keep",
                            required = true,
                            paramLabel = "NODE",
                            description = "The node whose replica of GID survives.")
                    int keep)
            throws ControllerUnavailableException {
        GroupId id = groupId(group);
        NodeId survivor = nodeId(keep);
        try (ControllerClient controller = controller()) {
            Optional<String> refusal = stillLed(controller.query(-1), id, survivor);
            if (refusal.isPresent()) {
                spec.commandLine().getErr().printf("error: %s%n", refusal.get());
                return 1;
            }
            spec.commandLine()
                    .getErr()
                    .printf(
                            "warning: unsafe recovery of group %d onto node %d: writes"
                                    + " acknowledged by the other replicas but missing on node %d"
                                    + " are lost%n",
                            group, keep, keep);
            return reportAndAwaitMembers(controller, controller.unsafeRecover(id, survivor));
        }
    }

    /**
     * Why {@code group} needs no unsafe recovery, if it does not: one of its replicas in {@code
     * latest} leads it with other voters (a group already recovered onto {@code survivor} is led by
     * the survivor alone, and passes).
     */
    private Optional<String> stillLed(ShardConfig latest, GroupId group, NodeId survivor) {
        List<Member> members = latest.groups().get(group);
        if (members == null) {
            return Optional.empty(); // the controller refuses it with the reason
        }
        try (ReplicaReports reports = ReplicaReports.of(List.of(members), cluster)) {
            return reports.leader(group, members)
                    .filter(leader -> !leader.membership().voters().equals(List.of(survivor)))
                    .map(
                            leader ->
                                    ("group %d has a leader, node %d in term %d, so it has a"
                                                    + " majority and needs no unsafe recovery; if"
                                                    + " that leader is cut off from the others,"
                                                    + " try again once it steps down")
                                            .formatted(
                                                    group.value(),
                                                    leader.node().value(),
                                                    leader.term()));
        }
    }

    @Command(
            name = "query",
            mixinStandardHelpOptions = true,
            description =
                    "Prints config NUM (default: the latest): owners and groups. A config not"
                            + " made yet is an error.")
    int query(@Parameters(paramLabel = "NUM", defaultValue = "-1") long number)
            throws ControllerUnavailableException {
        if (number < -1) {
            throw new ParameterException(
                    spec.commandLine(), "config numbers start at 0, got " + number);
        }
        try (ControllerClient controller = controller()) {
            ShardConfig config = controller.query(number);
            if (number >= 0 && config.number() != number) { // the controller answers the latest
                spec.commandLine()
                        .getErr()
                        .printf(
                                "error: config %d does not exist; the latest is config %d%n",
                                number, config.number());
                return Results.EXIT_FAILED;
            }
            if (output.json()) {
                spec.commandLine().getOut().println(AdminJson.config(config));
            } else {
                print(config);
            }
            return Results.EXIT_OK;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description =
                    "Prints every group of the latest config: members, leader, shards, the config"
                            + " it has reached and shards still migrating.")
    int status() {
        PrintWriter out = spec.commandLine().getOut();
        try (ShardKvClient client = cluster.client()) {
            ShardConfig config =
                    client.config(-1)
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "the controller did not answer"));
            if (output.json()) {
                out.println(statusJson(client, config));
                return Results.EXIT_OK;
            }
            out.printf("config %d, %d shards%n", config.number(), config.shardCount());
            out.printf(
                    "%-6s %-8s %-7s %-24s %-20s %s%n",
                    "group", "leader", "config", "shards", "migrating", "replicas");
            try (ReplicaReports reports = ReplicaReports.of(config.groups().values(), cluster)) {
                for (var entry : config.groups().entrySet()) {
                    Optional<ShardKvClient.GroupView> view =
                            client.groupStatus(entry.getKey(), entry.getValue());
                    out.printf(
                            "%-6s %-8s %-7s %-24s %-20s %s%n",
                            entry.getKey().value(),
                            view.map(v -> v.leader().toString()).orElse("-"),
                            view.map(v -> Long.toString(v.status().configNumber())).orElse("?"),
                            config.shardsOf(entry.getKey()),
                            view.map(v -> migrating(v.status().shards())).orElse("?"),
                            reports.leader(entry.getKey(), entry.getValue())
                                    .map(ReplicaReport::describeMembers)
                                    .orElse("(no leader answered)"));
                }
            }
            return 0;
        }
    }

    /** {@code admin status --output json}: the config's number and shard count, and each group. */
    private String statusJson(ShardKvClient client, ShardConfig config) {
        List<String> groups = new ArrayList<>();
        try (ReplicaReports reports = ReplicaReports.of(config.groups().values(), cluster)) {
            for (var entry : config.groups().entrySet()) {
                groups.add(
                        AdminJson.group(
                                entry.getKey(),
                                config.shardsOf(entry.getKey()),
                                client.groupStatus(entry.getKey(), entry.getValue()),
                                reports.leader(entry.getKey(), entry.getValue())));
            }
        }
        return Json.object(
                List.of(
                        Json.field("config", Long.toString(config.number())),
                        Json.field("shardCount", Integer.toString(config.shardCount())),
                        Json.field("groups", Json.array(groups))));
    }

    /**
     * Reports a member change and, unless {@code --no-wait}, waits until every group whose members
     * it changed has exactly those members as voters ({@link ChangeWaiter}).
     */
    private int reportAndAwaitMembers(ControllerClient controller, ControllerResult result)
            throws ControllerUnavailableException {
        if (noWait || !(result instanceof ControllerResult.Done done)) {
            return report(result);
        }
        Optional<Integer> waited = waiter().awaitMembers(controller, done.configNumber());
        return waited.isPresent() ? waited.get() : report(result); // done before: nothing to wait
    }

    private ChangeWaiter waiter() {
        return new ChangeWaiter(
                spec.commandLine().getOut(), spec.commandLine().getErr(), cluster, waitSeconds);
    }

    private static String migrating(Map<Integer, ShardStatus> shards) {
        String moving =
                shards.entrySet().stream()
                        .filter(e -> e.getValue() != ShardStatus.SERVING)
                        .map(e -> e.getKey() + ":" + e.getValue().name().toLowerCase())
                        .collect(Collectors.joining(","));
        return moving.isEmpty() ? "-" : moving;
    }

    private void print(ShardConfig config) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("config %d%n", config.number());
        for (int shard = 0; shard < config.shardCount(); shard++) {
            out.printf(
                    "shard %d -> %s%n",
                    shard, config.owner(shard).map(g -> "group " + g.value()).orElse("unassigned"));
        }
        config.groups()
                .forEach(
                        (group, members) ->
                                out.printf(
                                        "group %d: %s%n",
                                        group.value(),
                                        members.stream()
                                                .map(m -> m.node().value() + "@" + m.address())
                                                .collect(Collectors.joining(","))));
    }

    private int report(ControllerResult result) {
        return switch (result) {
            case ControllerResult.Done done -> {
                spec.commandLine().getOut().printf("OK config %d%n", done.configNumber());
                yield 0;
            }
            case ControllerResult.Rejected rejected -> {
                spec.commandLine()
                        .getErr()
                        .printf("error: %s: %s%n", rejected.reason(), rejected.message());
                yield 1;
            }
            case ControllerResult.Config config -> {
                print(config.config());
                yield 0;
            }
            case ControllerResult.Claimed claimed -> { // a node's answer; admin commands get none
                spec.commandLine()
                        .getOut()
                        .printf(
                                "OK claimed (%s)%n",
                                claimed.founding() ? "founder" : "joins as a learner");
                yield 0;
            }
        };
    }

    private ControllerClient controller() {
        return new ControllerClient(
                cluster.controllerAddresses(), cluster.timeout, cluster.clientIdentity());
    }

    private GroupId groupId(int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), "group ids start at 1, got " + value);
        }
        return GroupId.of(value);
    }

    private NodeId nodeId(int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), "node ids start at 1, got " + value);
        }
        return NodeId.of(value);
    }

    private List<Member> parseMembers(String text) {
        List<Member> members = new ArrayList<>();
        for (String entry : text.split(",")) {
            members.add(
                    member(entry)
                            .orElseThrow(
                                    () ->
                                            new ParameterException(
                                                    spec.commandLine(),
                                                    "members are ID@HOST:PORT,..., got " + entry)));
        }
        return members;
    }

    private Member parseMember(String text) {
        return member(text)
                .orElseThrow(
                        () ->
                                new ParameterException(
                                        spec.commandLine(), "expected ID@HOST:PORT, got " + text));
    }

    /** {@code ID@HOST:PORT} as a member, or empty if it is not one. */
    private static Optional<Member> member(String text) {
        int at = text.indexOf('@');
        try {
            return Optional.of(
                    new Member(
                            NodeId.of(Integer.parseInt(text.substring(0, at))),
                            text.substring(at + 1)));
        } catch (RuntimeException bad) {
            return Optional.empty();
        }
    }
}
