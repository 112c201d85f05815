package io.raftkv.shardkv.cli;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.client.ControllerUnavailableException;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Members;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.kv.ShardStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Waits, for the admin commands, until the groups have carried out a change the controller has
 * committed: a member change until each changed group's leader reports exactly the new members as
 * voters, a leave until the new owners serve every shard. Progress goes to stderr, one line per
 * change seen; the outcome to stdout. Wall-clock polling: this is a command-line client.
 */
final class ChangeWaiter {
    private static final long POLL_MILLIS = 250;

    private final PrintWriter out;
    private final PrintWriter err;
    private final ClusterOptions cluster;
    private final int waitSeconds;

    ChangeWaiter(PrintWriter out, PrintWriter err, ClusterOptions cluster, int waitSeconds) {
        this.out = out;
        this.err = err;
        this.cluster = cluster;
        this.waitSeconds = waitSeconds;
    }

    /**
     * Waits for the member changes config {@code number} made: the exit code, or empty if it
     * changed no group's members (a change done before), so there is nothing to wait for.
     */
    Optional<Integer> awaitMembers(ControllerClient controller, long number)
            throws ControllerUnavailableException {
        ShardConfig after = controller.query(number);
        ShardConfig before = controller.query(Math.max(0, number - 1));
        TreeMap<GroupId, List<Member>> changed = new TreeMap<>();
        after.groups()
                .forEach(
                        (group, members) -> {
                            List<Member> was = before.groups().get(group);
                            if (was != null && !Members.sameSet(was, members)) {
                                List<Member> asked = new ArrayList<>(was);
                                asked.addAll(members);
                                changed.put(group, asked);
                            }
                        });
        if (changed.isEmpty()) {
            return Optional.empty();
        }
        err.printf("config %d committed; waiting for %s to carry it out%n", number, names(changed));
        try (ReplicaReports reports = ReplicaReports.of(changed.values(), cluster)) {
            TreeMap<GroupId, String> shown = new TreeMap<>();
            TreeMap<GroupId, String> pending = new TreeMap<>();
            return Optional.of(
                    poll(
                            number,
                            () -> membersDone(after, changed, reports, shown, pending),
                            () -> String.join(", ", names(pending))));
        }
    }

    /** One look at every changed group: the outcome line once all are done. */
    private Optional<String> membersDone(
            ShardConfig after,
            TreeMap<GroupId, List<Member>> changed,
            ReplicaReports reports,
            TreeMap<GroupId, String> shown,
            TreeMap<GroupId, String> pending) {
        pending.clear();
        for (var entry : changed.entrySet()) {
            GroupId group = entry.getKey();
            Optional<ReplicaReport> report = reports.leader(group, entry.getValue());
            String now = report.map(ReplicaReport::describeMembers).orElse("no leader yet");
            if (!report.map(r -> hasExactly(r, after.groups().get(group))).orElse(false)) {
                pending.put(group, now);
            }
            if (!now.equals(shown.put(group, now))) {
                err.printf("%s: %s%n", group, now);
                err.flush();
            }
        }
        if (!pending.isEmpty()) {
            return Optional.empty();
        }
        List<String> groups = new ArrayList<>();
        shown.forEach((group, members) -> groups.add(group + " is " + members));
        return Optional.of("OK config %d: %s".formatted(after.number(), String.join("; ", groups)));
    }

    private static boolean hasExactly(ReplicaReport report, List<Member> members) {
        List<NodeId> wanted = members.stream().map(Member::node).sorted().toList();
        return report.membership().learners().isEmpty()
                && report.membership().voters().equals(wanted);
    }

    /**
     * Waits until every shard the leaving groups owned is served by its new owner at the leave's
     * config {@code number} or later, then says which of their nodes serve no group any more and
     * are safe to stop. Returns the exit code.
     */
    int awaitHandover(ControllerClient controller, long number, List<GroupId> leaving)
            throws ControllerUnavailableException {
        ShardConfig after = controller.query(number);
        ShardConfig before = controller.query(number - 1);
        List<Integer> moving = new ArrayList<>();
        leaving.forEach(group -> moving.addAll(before.shardsOf(group)));
        err.printf("config %d committed; waiting for the new owners to serve the shards%n", number);
        int[] shownLeft = {-1};
        int[] left = {moving.size()};
        try (ShardKvClient client = cluster.client()) {
            return poll(
                    number,
                    () -> {
                        left[0] = shardsNotYetServed(client, after, moving);
                        if (left[0] != shownLeft[0]) {
                            err.printf(
                                    "%d of %d shards handed over%n",
                                    moving.size() - left[0], moving.size());
                            err.flush();
                            shownLeft[0] = left[0];
                        }
                        return left[0] == 0
                                ? Optional.of(safeToStop(before, after, leaving))
                                : Optional.empty();
                    },
                    () -> left[0] + " shards");
        }
    }

    /** How many of {@code shards} their owner in {@code config} does not yet serve. */
    private static int shardsNotYetServed(
            ShardKvClient client, ShardConfig config, List<Integer> shards) {
        int left = 0;
        TreeMap<GroupId, Optional<ShardKvClient.GroupView>> views = new TreeMap<>();
        for (int shard : shards) {
            Optional<GroupId> owner = config.owner(shard);
            if (owner.isEmpty()) {
                continue; // no group is left to hand it to
            }
            Optional<ShardKvClient.GroupView> view =
                    views.computeIfAbsent(
                            owner.get(),
                            group -> client.groupStatus(group, config.groups().get(group)));
            if (!view.map(v -> serves(v, config.number(), shard)).orElse(false)) {
                left++;
            }
        }
        return left;
    }

    private static boolean serves(ShardKvClient.GroupView view, long number, int shard) {
        return view.status().configNumber() >= number
                && view.status().shards().get(shard) == ShardStatus.SERVING;
    }

    private static String safeToStop(ShardConfig before, ShardConfig after, List<GroupId> leaving) {
        TreeSet<NodeId> nodes = new TreeSet<>();
        leaving.forEach(group -> before.groups().get(group).forEach(m -> nodes.add(m.node())));
        after.groups().values().forEach(members -> members.forEach(m -> nodes.remove(m.node())));
        String groups = String.join(", ", leaving.stream().map(GroupId::toString).toList());
        String stoppable = String.join(", ", nodes.stream().map(NodeId::toString).toList());
        return nodes.isEmpty()
                ? "OK config %d: %s handed over every shard; their nodes still serve other groups"
                        .formatted(after.number(), groups)
                : "OK config %d: %s handed over every shard; %s serve no group now and are safe to stop"
                        .formatted(after.number(), groups, stoppable);
    }

    /**
     * Asks {@code done} every {@value #POLL_MILLIS} ms until it gives the outcome line (printed,
     * exit 0) or {@code --wait-seconds} pass (exit 1, naming what {@code pending} says is left).
     */
    private int poll(long number, Supplier<Optional<String>> done, Supplier<String> pending) {
        long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
        while (true) {
            Optional<String> outcome = done.get();
            if (outcome.isPresent()) {
                out.println(outcome.get());
                return 0;
            }
            if (System.nanoTime() > deadline) {
                err.printf(
                        "config %d is committed, but %s not done after %d s: it goes on by"
                                + " itself; see raftkv admin status%n",
                        number, pending.get(), waitSeconds);
                return 1;
            }
            pause();
        }
    }

    private static String names(TreeMap<GroupId, ?> groups) {
        return String.join(", ", groups.keySet().stream().map(GroupId::toString).toList());
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
