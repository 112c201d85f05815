package io.raftkv.shardctrler.config;

import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rules a join's member lists follow, in one place for the controller and the command line.
 * Addresses are compared as written ({@code localhost:7001} and {@code 127.0.0.1:7001} differ):
 * resolving them would make a replica's decision depend on its DNS.
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
}
