package io.raftkv.shardctrler.config;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One numbered shard config: the owner of every shard, the members of every group, and the unsafe
 * recoveries of groups that lost their quorum. Config 0 has no groups, no recoveries and every
 * shard unassigned. Immutable.
 *
 * @param number increases by one with every Join, Leave, Move, member change and recovery
 * @param owners {@code owners.get(shard)} owns the shard, or {@link #UNASSIGNED}
 * @param groups every group in the config with its members, sorted by id (the controller lists each
 *     group's members by node id: {@link Members#sorted})
 * @param recoveries the latest {@link Recovery} of every group that was ever recovered, sorted by
 *     id. NB: not checked against {@code groups}: a recovery stays in every later config, also
 *     after its group leaves, because the fenced replicas stay fenced for good
 */
public record ShardConfig(
        long number,
        List<GroupId> owners,
        SortedMap<GroupId, List<Member>> groups,
        SortedMap<GroupId, Recovery> recoveries) {
    /**
     * The owner of a shard no group serves (the controller group's id is never a replica group's).
     */
    public static final GroupId UNASSIGNED = GroupId.CONTROLLER;

    public ShardConfig {
        Check.argument(number >= 0, "negative config number %d", number);
        Check.argument(!owners.isEmpty(), "a config has at least one shard");
        owners = List.copyOf(owners);
        TreeMap<GroupId, List<Member>> copy = new TreeMap<>();
        groups.forEach((group, members) -> copy.put(group, List.copyOf(members)));
        groups = Collections.unmodifiableSortedMap(copy);
        Check.argument(
                !groups.containsKey(UNASSIGNED), "group 0 is the controller, not a replica group");
        for (GroupId owner : owners) {
            Check.argument(
                    owner.equals(UNASSIGNED) || groups.containsKey(owner),
                    "shard owned by unknown %s",
                    owner);
        }
        Check.argument(recoveries != null, "a config lists its recoveries, if only none");
        TreeMap<GroupId, Recovery> recoveriesCopy = new TreeMap<>();
        recoveries.forEach(
                (group, recovery) -> {
                    Check.argument(recovery != null, "null recovery of %s", group);
                    recoveriesCopy.put(group, recovery);
                });
        recoveries = Collections.unmodifiableSortedMap(recoveriesCopy);
        Check.argument(
                !recoveries.containsKey(UNASSIGNED),
                "group 0 is the controller, not a replica group");
    }

    /** A config without recoveries. */
    public ShardConfig(long number, List<GroupId> owners, SortedMap<GroupId, List<Member>> groups) {
        this(number, owners, groups, Collections.emptySortedMap());
    }

    /** Config 0. */
    public static ShardConfig initial(int shardCount) {
        Check.argument(shardCount >= 1, "shard count must be positive, got %d", shardCount);
        return new ShardConfig(0, Collections.nCopies(shardCount, UNASSIGNED), new TreeMap<>());
    }

    public int shardCount() {
        return owners.size();
    }

    /** The group owning {@code shard}, if any. */
    public Optional<GroupId> owner(int shard) {
        Check.argument(
                shard >= 0 && shard < owners.size(),
                "shard %d out of range [0, %d)",
                shard,
                owners.size());
        GroupId owner = owners.get(shard);
        return owner.equals(UNASSIGNED) ? Optional.empty() : Optional.of(owner);
    }

    /** The shards {@code group} owns, ascending. */
    public List<Integer> shardsOf(GroupId group) {
        List<Integer> shards = new ArrayList<>();
        for (int shard = 0; shard < owners.size(); shard++) {
            if (owners.get(shard).equals(group)) {
                shards.add(shard);
            }
        }
        return shards;
    }

    /** The latest recovery of {@code group}, if it was ever recovered. */
    public Optional<Recovery> recovery(GroupId group) {
        return Optional.ofNullable(recoveries.get(group));
    }

    /** The next config: number + 1 with the given owners and groups, and the same recoveries. */
    public ShardConfig next(List<GroupId> newOwners, SortedMap<GroupId, List<Member>> newGroups) {
        return next(newOwners, newGroups, recoveries);
    }

    /** The next config: number + 1 with the given owners, groups and recoveries. */
    public ShardConfig next(
            List<GroupId> newOwners,
            SortedMap<GroupId, List<Member>> newGroups,
            SortedMap<GroupId, Recovery> newRecoveries) {
        return new ShardConfig(number + 1, newOwners, newGroups, newRecoveries);
    }
}
