package io.raftkv.shardctrler.config;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rules a join's member lists follow, in one place for the controller (which refuses a join
 * that breaks them) and the command line (which refuses it before sending). One node has one
 * address: a node id is listed once per group and at the same address in every group, and an
 * address serves one node id. Addresses are compared as written ({@code localhost:7001} and {@code
 * 127.0.0.1:7001} differ): resolving them would make a replica's decision depend on its DNS.
 *
 * <p>Deterministic: each answer depends only on the arguments and the order of their lists, never
 * on hashing or the locale, so every controller replica refuses a join with the same words.
 */
public final class Members {
    private Members() {}

    /** Whether two lists name the same members (node id and address), in any order. */
    public static boolean sameSet(List<Member> some, List<Member> others) {
        return new TreeSet<>(some).equals(new TreeSet<>(others));
    }

    /**
     * The members sorted by node id (then address), as every config lists them: one order however a
     * command listed them, so equal configs are equal lists.
     */
    public static List<Member> sorted(List<Member> members) {
        return members.stream().sorted().toList();
    }

    /** The members in their order, for messages: {@code n1 at a:1, n2 at b:2 and n3 at c:3}. */
    public static String describe(List<Member> members) {
        if (members.size() < 2) {
            return members.isEmpty() ? "no members" : members.getFirst().toString();
        }
        return members.subList(0, members.size() - 1).stream()
                        .map(Member::toString)
                        .collect(Collectors.joining(", "))
                + " and "
                + members.getLast();
    }

    /**
     * One sentence naming the first node id or address that {@code group}'s {@code members} list
     * twice, or empty if they list each once.
     */
    public static Optional<String> duplicate(GroupId group, List<Member> members) {
        TreeMap<NodeId, Member> byNode = new TreeMap<>();
        TreeMap<String, Member> byAddress = new TreeMap<>();
        for (Member member : members) {
            Member sameNode = byNode.putIfAbsent(member.node(), member);
            if (sameNode != null && sameNode.equals(member)) {
                return Optional.of(group + " lists " + member + " twice; a node is a member once");
            }
            if (sameNode != null) {
                return Optional.of(
                        "%s lists %s twice, at %s and at %s; a node is a member once"
                                .formatted(
                                        group,
                                        member.node(),
                                        sameNode.address(),
                                        member.address()));
            }
            Member sameAddress = byAddress.putIfAbsent(member.address(), member);
            if (sameAddress != null) {
                return Optional.of(
                        "%s lists %s for both %s and %s; one address serves one node"
                                .formatted(
                                        group,
                                        member.address(),
                                        sameAddress.node(),
                                        member.node()));
            }
        }
        return Optional.empty();
    }

    /**
     * One sentence naming the first joining member whose node id has another address, or whose
     * address has another node id, in another joining group or in a group of {@code serving} (the
     * latest config's groups); empty if there is none. Groups that have left are not compared: a
     * returning group must come back with its old members anyway. Expects no {@link #duplicate}
     * within a group.
     */
    public static Optional<String> conflict(
            SortedMap<GroupId, List<Member>> serving, SortedMap<GroupId, List<Member>> joining) {
        TreeMap<NodeId, Placed> byNode = new TreeMap<>();
        TreeMap<String, Placed> byAddress = new TreeMap<>();
        for (var group : joining.entrySet()) {
            for (Member member : group.getValue()) {
                Placed placed = new Placed(group.getKey(), member);
                Optional<String> conflict =
                        conflict(byNode.get(member.node()), placed)
                                .or(() -> conflict(byAddress.get(member.address()), placed));
                if (conflict.isPresent()) {
                    return conflict;
                }
                byNode.putIfAbsent(member.node(), placed);
                byAddress.putIfAbsent(member.address(), placed);
            }
        }
        for (var group : serving.entrySet()) {
            for (Member member : group.getValue()) {
                Placed placed = new Placed(group.getKey(), member);
                Optional<String> conflict =
                        conflict(placed, byNode.get(member.node()))
                                .or(() -> conflict(placed, byAddress.get(member.address())));
                if (conflict.isPresent()) {
                    return conflict;
                }
            }
        }
        return Optional.empty();
    }

    /** A member as listed in one group. */
    private record Placed(GroupId group, Member member) {}

    /** Why {@code earlier} and {@code later} cannot both stand, if they cannot. */
    private static Optional<String> conflict(Placed earlier, Placed later) {
        if (earlier == null || later == null || earlier.member().equals(later.member())) {
            return Optional.empty();
        }
        Member was = earlier.member();
        Member is = later.member();
        if (was.node().equals(is.node())) {
            return Optional.of(
                    "%s is at %s in %s but at %s in %s; a node has one address"
                            .formatted(
                                    is.node(),
                                    was.address(),
                                    earlier.group(),
                                    is.address(),
                                    later.group()));
        }
        if (was.address().equals(is.address())) {
            return Optional.of(
                    "%s is %s in %s but %s in %s; one address serves one node"
                            .formatted(
                                    is.address(),
                                    was.node(),
                                    earlier.group(),
                                    is.node(),
                                    later.group()));
        }
        return Optional.empty();
    }
}
