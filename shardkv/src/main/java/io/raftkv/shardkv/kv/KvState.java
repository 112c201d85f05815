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
        lastEvictionIndex = 0;
    }

    /**
     * Keeps the members of the groups still needed, taking each from {@code config} if it lists the
     * group.
     */
    void rememberMembers(ShardConfig config) {
        TreeSet<GroupId> needed = new TreeSet<>(Arrays.asList(lastOwners));
        held.values().stream().filter(h -> h.source != null).forEach(h -> needed.add(h.source));
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
