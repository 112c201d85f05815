package io.raftkv.shardctrler.server;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Members;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ReplicaHistory.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plans the member changes of the replica commands (add, remove, replace, drain, unsafe recovery)
 * against the latest config and the {@link ReplicaHistory}: either a refusal, nothing to do, or the
 * groups and recoveries of the next config and the replicas it retires. Pure: changes nothing, so
 * the state machine applies a plan whole or not at all. Deterministic: sorted maps only, so every
 * controller replica plans the same change and refuses with the same words.
 */
final class ReplicaChanges {
    /** What a replica command comes to. */
    sealed interface Plan {
        /** Refused; nothing changes. */
        record Refused(ControllerResult.Rejected rejected) implements Plan {}

        /** The latest config already has the change: done, without a new config. */
        record AlreadyDone() implements Plan {}

        /**
         * The next config's groups (members sorted by node id; shards stay where they are) and
         * recoveries, and the replicas the change retires (none retired before).
         */
        record Changed(
                SortedMap<GroupId, List<Member>> groups,
                SortedMap<GroupId, Recovery> recoveries,
                List<Replica> retiring)
                implements Plan {}
    }

    private final ShardConfig latest;
    private final ReplicaHistory history;

    ReplicaChanges(ShardConfig latest, ReplicaHistory history) {
        this.latest = latest;
        this.history = history;
    }

    /** Adds {@code member} to {@code group}. */
    Plan add(GroupId group, Member member) {
        List<Member> members = latest.groups().get(group);
        if (members == null) {
            return unknownGroup(group);
        }
        Optional<Plan> refused = refuseAdding(latest.groups(), group, member);
        if (refused.isPresent()) {
            return refused.get();
        }
        return changed(group, with(members, member), List.of());
    }

    /** Removes {@code node} from {@code group}, unless it is the last member. */
    Plan remove(GroupId group, NodeId node) {
        List<Member> members = latest.groups().get(group);
        if (members == null) {
            return unknownGroup(group);
        }
        if (find(members, node).isEmpty()) {
            return notAMember(group, node);
        }
        if (members.size() == 1) {
            return refused(
                    Reason.LAST_MEMBER,
                    "%s is the last replica of %s; a group's last replica goes when the group"
                            + " leaves",
                    node,
                    group);
        }
        return changed(group, without(members, node), List.of(new Replica(group, node)));
    }

    /**
     * Removes {@code old} from {@code group} and adds {@code replacement}, in one config. Unlike a
     * remove, it may replace a group's only member: the group keeps one.
     */
    Plan replace(GroupId group, NodeId old, Member replacement) {
        List<Member> members = latest.groups().get(group);
        if (members == null) {
            return unknownGroup(group);
        }
        if (find(members, old).isEmpty() && members.contains(replacement)) {
            return new Plan.AlreadyDone();
        }
        if (find(members, old).isEmpty()) {
            return notAMember(group, old);
        }
        if (replacement.node().equals(old)) {
            return refused(
                    Reason.RETIRED,
                    "a replica id is never reused: %s cannot replace itself in %s; use a new node"
                            + " id",
                    old,
                    group);
        }
        List<Member> remaining = without(members, old);
        TreeMap<GroupId, List<Member>> serving = new TreeMap<>(latest.groups());
        serving.put(group, remaining);
        Optional<Plan> refused = refuseAdding(serving, group, replacement);
        if (refused.isPresent()) {
            return refused.get();
        }
        return changed(group, with(remaining, replacement), List.of(new Replica(group, old)));
    }

    /**
     * Moves each of {@code node}'s replicas (groups in id order) to the node of the latest config
     * that serves the fewest replicas, counting the moves chosen so far, ties to the lowest id; a
     * node that serves the group or served it before is no candidate.
     */
    Plan drain(NodeId node) {
        TreeMap<NodeId, String> addresses = new TreeMap<>();
        TreeMap<NodeId, Integer> replicaCounts = new TreeMap<>();
        latest.groups()
                .values()
                .forEach(
                        members ->
                                members.forEach(
                                        member -> {
                                            addresses.putIfAbsent(member.node(), member.address());
                                            replicaCounts.merge(member.node(), 1, Integer::sum);
                                        }));
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>(latest.groups());
        List<Replica> retiring = new ArrayList<>();
        for (var entry : latest.groups().entrySet()) {
            GroupId group = entry.getKey();
            if (find(entry.getValue(), node).isEmpty()) {
                continue;
            }
            Optional<NodeId> target = target(group, entry.getValue(), replicaCounts);
            if (target.isEmpty()) {
                return refused(
                        Reason.NO_TARGET,
                        "no node can take %s's replica of %s: every other node of config %d"
                                + " serves %s or served it before",
                        node,
                        group,
                        latest.number(),
                        group);
            }
            Member moved = new Member(target.get(), addresses.get(target.get()));
            groups.put(group, with(without(entry.getValue(), node), moved));
            replicaCounts.merge(target.get(), 1, Integer::sum);
            retiring.add(new Replica(group, node));
        }
        return retiring.isEmpty()
                ? new Plan.AlreadyDone()
                : new Plan.Changed(groups, latest.recoveries(), retiring);
    }

    /**
     * Unsafe recovery (after TiKV's): {@code survivor} becomes {@code group}'s only member, and
     * every other node that ever served the group is fenced for good. Already done if the latest
     * config's recovery of the group names {@code survivor} and it is the only member, or if it is
     * the only node the group ever had (nothing to fence).
     *
     * <p>NB: every fenced pair not yet retired is retired here, founders that never claimed their
     * replica included, rather than teaching {@link #refuseAdding} about recoveries: retirement
     * stays the one rule, kept in the history alone, that keeps a node out of a group (add,
     * replace, drain and claim all check it).
     */
    Plan unsafeRecover(GroupId group, NodeId survivor) {
        List<Member> members = latest.groups().get(group);
        if (members == null) {
            return unknownGroup(group);
        }
        Optional<Member> kept = find(members, survivor);
        if (kept.isEmpty()) {
            return notAMember(group, survivor);
        }
        Optional<Recovery> before = latest.recovery(group);
        SortedSet<NodeId> fenced = fencedBy(group, survivor, members, before);
        boolean recordedBefore = before.map(Recovery::survivor).equals(Optional.of(survivor));
        if (members.size() == 1 && (recordedBefore || fenced.isEmpty())) {
            return new Plan.AlreadyDone();
        }
        if (fenced.size() > Recovery.FENCED_MAX) {
            return refused(
                    Reason.TOO_MANY_MEMBERS,
                    "%s was served by %d nodes besides %s, more than the %d one recovery can"
                            + " fence",
                    group,
                    fenced.size(),
                    survivor,
                    Recovery.FENCED_MAX);
        }
        List<Replica> retiring = new ArrayList<>();
        for (NodeId node : fenced) {
            if (!history.isRetired(group, node)) {
                retiring.add(new Replica(group, node));
            }
        }
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>(latest.groups());
        groups.put(group, List.of(kept.get()));
        TreeMap<GroupId, Recovery> recoveries = new TreeMap<>(latest.recoveries());
        recoveries.put(group, new Recovery(survivor, fenced));
        return new Plan.Changed(groups, recoveries, retiring);
    }

    /**
     * The nodes a recovery of {@code group} to {@code survivor} fences: every node the history
     * associates with the group, its current {@code members}, and the nodes fenced by its {@code
     * before} recovery, except {@code survivor}.
     */
    private SortedSet<NodeId> fencedBy(
            GroupId group, NodeId survivor, List<Member> members, Optional<Recovery> before) {
        TreeSet<NodeId> fenced = new TreeSet<>(history.nodesOf(group));
        members.forEach(member -> fenced.add(member.node()));
        before.ifPresent(recovery -> fenced.addAll(recovery.fenced()));
        // NB: a recovery retires what it fences, so this also says survivor was never fenced.
        Check.that(
                !history.isRetired(group, survivor),
                "%s is a member of %s but retired",
                survivor,
                group);
        fenced.remove(survivor);
        return fenced;
    }

    /** The candidate with the fewest replicas, ties to the lowest id. */
    private Optional<NodeId> target(
            GroupId group, List<Member> members, SortedMap<NodeId, Integer> replicaCounts) {
        NodeId best = null;
        for (var candidate : replicaCounts.entrySet()) { // ascending ids: the first wins ties
            NodeId node = candidate.getKey();
            if (find(members, node).isPresent() || history.isRetired(group, node)) {
                continue;
            }
            if (best == null || candidate.getValue() < replicaCounts.get(best)) {
                best = node;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Why {@code member} cannot join {@code group}, whose members in {@code serving} do not include
     * the node being replaced, if it cannot: it is a member already, it served the group before,
     * its node or address is taken, or the group is full.
     */
    private Optional<Plan> refuseAdding(
            SortedMap<GroupId, List<Member>> serving, GroupId group, Member member) {
        List<Member> members = serving.get(group);
        Optional<Member> existing = find(members, member.node());
        if (existing.isPresent()) {
            return Optional.of(
                    refused(
                            Reason.MEMBER_EXISTS,
                            "%s is already a replica of %s",
                            existing.get(),
                            group));
        }
        if (history.isRetired(group, member.node())) {
            return Optional.of(
                    refused(
                            Reason.RETIRED,
                            "a replica id is never reused: %s served %s before; use a new node id",
                            member.node(),
                            group));
        }
        Optional<String> conflict =
                Members.conflict(serving, new TreeMap<>(Map.of(group, List.of(member))));
        if (conflict.isPresent()) {
            return Optional.of(
                    new Plan.Refused(
                            new ControllerResult.Rejected(
                                    Reason.ADDRESS_CONFLICT, conflict.get())));
        }
        if (members.size() >= ControllerCommand.MEMBERS_MAX) {
            return Optional.of(
                    refused(
                            Reason.TOO_MANY_MEMBERS,
                            "%s already has %d members, the most a group may have; %s cannot join"
                                    + " it",
                            group,
                            members.size(),
                            member));
        }
        return Optional.empty();
    }

    private Plan changed(GroupId group, List<Member> members, List<Replica> retiring) {
        Check.that(!members.isEmpty(), "%s left without members", group);
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>(latest.groups());
        groups.put(group, members);
        return new Plan.Changed(groups, latest.recoveries(), retiring);
    }

    private Plan unknownGroup(GroupId group) {
        return refused(Reason.UNKNOWN_GROUP, "%s is not in config %d", group, latest.number());
    }

    private static Plan notAMember(GroupId group, NodeId node) {
        return refused(Reason.NOT_A_MEMBER, "%s is not a replica of %s", node, group);
    }

    private static Plan refused(Reason reason, String format, Object... args) {
        return new Plan.Refused(new ControllerResult.Rejected(reason, format.formatted(args)));
    }

    private static Optional<Member> find(List<Member> members, NodeId node) {
        return members.stream().filter(member -> member.node().equals(node)).findFirst();
    }

    /** {@code members} and {@code added}, sorted by node id. */
    private static List<Member> with(List<Member> members, Member added) {
        List<Member> result = new ArrayList<>(members);
        result.add(added);
        return Members.sorted(result);
    }

    private static List<Member> without(List<Member> members, NodeId node) {
        return members.stream().filter(member -> !member.node().equals(node)).toList();
    }
}
