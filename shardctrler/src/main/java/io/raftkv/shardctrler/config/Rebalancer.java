package io.raftkv.shardctrler.config;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Spreads the shards over the groups of a new config, moving as few shards as possible. A pure
 * function of its inputs, run by every controller replica when it applies a Join or a Leave, so
 * every replica computes the same owners: nothing here depends on hash or iteration order of an
 * unordered collection (the groups are re-sorted by id even if the caller's set sorts otherwise).
 *
 * <p>The algorithm. With {@code n} shards and {@code g} groups, every group's target is {@code n /
 * g} and the {@code n % g} extra shards go to the groups that own the most shards now (ties: lower
 * group id). Shards of departed groups and unassigned shards are free; a group over its target
 * frees its highest-numbered shards; free shards, ascending, fill the groups under target, by group
 * id. A group keeps {@code min(current, target)} of its shards, and giving the extra shards to the
 * largest groups maximises that sum over all balanced targets, so the moves are the fewest possible
 * ({@code RebalancerPropertyTest} checks this against a brute-force search).
 */
public final class Rebalancer {
    /** The owner of a shard no group serves (the same as {@link ShardConfig#UNASSIGNED}). */
    public static final GroupId UNASSIGNED = ShardConfig.UNASSIGNED;

    private Rebalancer() {}

    /**
     * The owners of the shards once exactly {@code groups} serve them.
     *
     * <p>Contract, for {@code n = owners.size()} shards and {@code g = groups.size()} groups:
     *
     * <ul>
     *   <li>if {@code groups} is empty every shard is {@link #UNASSIGNED}; otherwise every shard is
     *       owned by a member of {@code groups} (never by a departed group, never unassigned);
     *   <li>balance: the shard counts of the groups (counting groups with none) differ by at most
     *       one. When {@code g > n} that means each group owns at most one shard: groups that
     *       already own shards keep one each, and the rest go to the lowest group ids;
     *   <li>minimal: the number of shards whose owner changes (a shard that was unassigned or owned
     *       by a departed group always changes) is the least over all balanced assignments;
     *   <li>deterministic: the result depends only on the owners and the ids in {@code groups};
     *       ties go to the lower group id, then the lower shard index.
     * </ul>
     *
     * @param owners {@code owners.get(shard)} owns that shard now, or {@link #UNASSIGNED}; may name
     *     groups that are not in {@code groups} (they are leaving)
     * @param groups the groups of the new config; must not contain {@link #UNASSIGNED}
     * @return the new owners, one per shard, immutable
     */
    public static List<GroupId> rebalance(List<GroupId> owners, SortedSet<GroupId> groups) {
        for (GroupId owner : owners) {
            Check.argument(owner != null, "owners must not contain null: %s", owners);
        }
        TreeSet<GroupId> sortedGroups = byId(groups);
        Check.argument(!sortedGroups.contains(UNASSIGNED), "%s is not a replica group", UNASSIGNED);
        if (sortedGroups.isEmpty()) {
            return Collections.nCopies(owners.size(), UNASSIGNED);
        }
        TreeMap<GroupId, List<Integer>> held = shardsHeld(owners, sortedGroups);
        TreeMap<GroupId, Integer> targets = targets(held, owners.size());
        TreeSet<Integer> free = freeShards(owners, sortedGroups);
        releaseOverTarget(held, targets, free);
        List<GroupId> result = new ArrayList<>(owners);
        fillUnderTarget(held, targets, free, result);
        Check.that(free.isEmpty(), "shards %s left without an owner", free);
        checkBalanced(result, sortedGroups);
        return Collections.unmodifiableList(result);
    }

    /** The number of shards whose owner differs between {@code before} and {@code after}. */
    public static int moves(List<GroupId> before, List<GroupId> after) {
        Check.argument(
                before.size() == after.size(),
                "shard counts differ: %d before, %d after",
                before.size(),
                after.size());
        int moved = 0;
        for (int shard = 0; shard < before.size(); shard++) {
            if (!before.get(shard).equals(after.get(shard))) {
                moved++;
            }
        }
        return moved;
    }

    /**
     * NB: {@code new TreeSet<>(sortedSet)} would keep the caller's comparator, so copy element by
     * element into a set ordered by id.
     */
    private static TreeSet<GroupId> byId(SortedSet<GroupId> groups) {
        TreeSet<GroupId> sorted = new TreeSet<>(Comparator.naturalOrder());
        for (GroupId group : groups) {
            Check.argument(group != null, "groups must not contain null");
            sorted.add(group);
        }
        return sorted;
    }

    /** Each group's current shards, ascending; groups that own none map to an empty list. */
    private static TreeMap<GroupId, List<Integer>> shardsHeld(
            List<GroupId> owners, TreeSet<GroupId> groups) {
        TreeMap<GroupId, List<Integer>> held = new TreeMap<>();
        for (GroupId group : groups) {
            held.put(group, new ArrayList<>());
        }
        for (int shard = 0; shard < owners.size(); shard++) {
            List<Integer> shards = held.get(owners.get(shard));
            if (shards != null) {
                shards.add(shard);
            }
        }
        return held;
    }

    /**
     * {@code n / g} shards per group, plus one for the {@code n % g} groups that own the most now
     * (ties: lower id): a group over target must give up shards, so the extra ones go where they
     * save a move.
     */
    private static TreeMap<GroupId, Integer> targets(
            TreeMap<GroupId, List<Integer>> held, int shardCount) {
        int base = shardCount / held.size();
        int extra = shardCount % held.size();
        List<GroupId> largestFirst = new ArrayList<>(held.keySet());
        largestFirst.sort(
                Comparator.comparingInt((GroupId group) -> -held.get(group).size())
                        .thenComparing(Comparator.naturalOrder()));
        TreeMap<GroupId, Integer> targets = new TreeMap<>();
        for (int rank = 0; rank < largestFirst.size(); rank++) {
            targets.put(largestFirst.get(rank), rank < extra ? base + 1 : base);
        }
        return targets;
    }

    /** Shards that are unassigned or owned by a group not in the new config. */
    private static TreeSet<Integer> freeShards(List<GroupId> owners, TreeSet<GroupId> groups) {
        TreeSet<Integer> free = new TreeSet<>();
        for (int shard = 0; shard < owners.size(); shard++) {
            if (!groups.contains(owners.get(shard))) {
                free.add(shard);
            }
        }
        return free;
    }

    /** Groups over target give up their highest-numbered shards into {@code free}. */
    private static void releaseOverTarget(
            TreeMap<GroupId, List<Integer>> held,
            TreeMap<GroupId, Integer> targets,
            TreeSet<Integer> free) {
        for (var entry : held.entrySet()) {
            List<Integer> shards = entry.getValue();
            int target = targets.get(entry.getKey());
            while (shards.size() > target) {
                free.add(shards.removeLast());
            }
        }
    }

    /** Free shards, lowest first, go to the groups under target, lowest id first. */
    private static void fillUnderTarget(
            TreeMap<GroupId, List<Integer>> held,
            TreeMap<GroupId, Integer> targets,
            TreeSet<Integer> free,
            List<GroupId> result) {
        for (var entry : held.entrySet()) {
            List<Integer> shards = entry.getValue();
            int target = targets.get(entry.getKey());
            while (shards.size() < target) {
                int shard = free.pollFirst();
                shards.add(shard);
                result.set(shard, entry.getKey());
            }
            Check.that(
                    shards.size() == target,
                    "%s holds %s, target %d",
                    entry.getKey(),
                    shards,
                    target);
        }
    }

    /** Postcondition: every shard has a group of the config and counts differ by at most one. */
    private static void checkBalanced(List<GroupId> result, TreeSet<GroupId> groups) {
        TreeMap<GroupId, Integer> counts = new TreeMap<>();
        for (GroupId group : groups) {
            counts.put(group, 0);
        }
        for (GroupId owner : result) {
            Check.that(groups.contains(owner), "shard assigned to %s, not in %s", owner, groups);
            counts.merge(owner, 1, Integer::sum);
        }
        int most = Collections.max(counts.values());
        int fewest = Collections.min(counts.values());
        Check.that(most - fewest <= 1, "unbalanced: %s", counts);
    }
}
