package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.route.ConfigSource;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Which groups have left since a config: those missing from at least one config after it, up to the
 * latest. This is the one rule by which both ends of a handoff give it up: the source takes the
 * shard back ({@link io.raftkv.shardkv.kv.KvCommand.ReclaimShard}) and the receiver stops pulling
 * ({@link io.raftkv.shardkv.kv.KvCommand.AbandonShard}). Both read it from the same immutable
 * configs, so once one end sees a departure the other does too, even if the receiver has joined
 * again since. Numbered configs are cached by the {@link ConfigSource}, so a look costs one read of
 * the latest. Runs on one loop; not thread-safe.
 */
final class Departures {
    private final ConfigSource configs;

    Departures(ConfigSource configs) {
        this.configs = configs;
    }

    /**
     * Gives {@code done} those of {@code groups} missing from some config numbered above {@code
     * after}; none if the controller did not answer.
     */
    void find(long after, Set<GroupId> groups, Consumer<Set<GroupId>> done) {
        configs.fetch(
                -1,
                latest -> {
                    if (latest.isEmpty()) {
                        done.accept(Set.of());
                    } else {
                        walk(after + 1, latest.get().number(), groups, new TreeSet<>(), done);
                    }
                });
    }

    private void walk(
            long number,
            long last,
            Set<GroupId> groups,
            TreeSet<GroupId> departed,
            Consumer<Set<GroupId>> done) {
        if (number > last || departed.size() == groups.size()) {
            done.accept(departed);
            return;
        }
        configs.fetch(
                number,
                found -> {
                    ShardConfig config = found.orElse(null);
                    if (config == null || config.number() != number) {
                        done.accept(departed); // unanswered: what is known so far
                        return;
                    }
                    for (GroupId group : groups) {
                        if (!config.groups().containsKey(group)) {
                            departed.add(group);
                        }
                    }
                    walk(number + 1, last, groups, departed, done);
                });
    }
}
