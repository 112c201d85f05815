package io.raftkv.shardkv.kv;

import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/** Everything a {@link KvStateMachine} keeps besides the keys themselves. */
final class KvState {
    /** The config the group is in. */
    ShardConfig config;

    /** Per shard, the last group a config up to {@link #config} gave it to, or UNASSIGNED. */
    final GroupId[] lastOwners;

    /** The members of every group named in {@link #lastOwners} or as a source, as last known. */
    final TreeMap<GroupId, List<Member>> members = new TreeMap<>();

    /** The shards this group holds. */
    final TreeMap<Integer, KvStateMachine.Held> held = new TreeMap<>();

    /**
     * Every handoff this group took back ({@link KvCommand.ReclaimShard}), so that its receiver is
     * told so however late it asks. NB: never trimmed; an entry is made only when an operator
     * removed a group that had not taken its shards, one per shard and config.
     */
    final TreeSet<Handoff> reclaimed = new TreeSet<>();

    /** The handoff of {@code shard} to its owner in config {@code configNumber}. */
    record Handoff(long configNumber, int shard) implements Comparable<Handoff> {
        @Override
        public int compareTo(Handoff other) {
            int byConfig = Long.compare(configNumber, other.configNumber);
            return byConfig != 0 ? byConfig : Integer.compare(shard, other.shard);
        }
    }

    long lastEvictionIndex;

    KvState(int shardCount) {
        this.lastOwners = new GroupId[shardCount];
        reset();
    }

    /** Back to config 0, holding nothing. */
    void reset() {
        config = ShardConfig.initial(lastOwners.length);
        Arrays.fill(lastOwners, ShardConfig.UNASSIGNED);
        members.clear();
        held.clear();
        reclaimed.clear();
        lastEvictionIndex = 0;
    }

    /**
     * Keeps the members of the groups still needed (the last owners, the sources and {@code self},
     * which tells a receiver where to pull from), taking each from {@code config} if it lists the
     * group.
     */
    void rememberMembers(ShardConfig config, GroupId self) {
        TreeSet<GroupId> needed = new TreeSet<>(Arrays.asList(lastOwners));
        held.values().stream().filter(h -> h.source != null).forEach(h -> needed.add(h.source));
        needed.add(self);
        needed.remove(ShardConfig.UNASSIGNED);
        TreeMap<GroupId, List<Member>> kept = new TreeMap<>();
        for (GroupId group : needed) {
            List<Member> known = config.groups().getOrDefault(group, members.get(group));
            if (known != null) {
                kept.put(group, known);
            }
        }
        members.clear();
        members.putAll(kept);
    }
}
