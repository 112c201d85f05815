package io.raftkv.shardkv.kv;

import io.raftkv.common.GroupId;
import io.raftkv.shardctrler.config.Member;
import java.util.List;

/**
 * What a group's migration driver needs to know, read from the state machine on the loop.
 *
 * @param configNumber the config the group is in
 * @param settled whether the group may take the next config
 * @param pulls shards to copy from their previous owners
 * @param notifies shards whose previous owners must be told to delete their copies
 * @param handoffs shards this group hands off in its config
 * @param members this group's members as last known (empty if no config named it yet)
 */
public record MigrationView(
        long configNumber,
        boolean settled,
        List<Transfer> pulls,
        List<Transfer> notifies,
        List<Handoff> handoffs,
        List<Member> members) {
    public MigrationView {
        pulls = List.copyOf(pulls);
        notifies = List.copyOf(notifies);
        handoffs = List.copyOf(handoffs);
        members = List.copyOf(members);
    }

    /**
     * One shard coming from {@code source} (reached at {@code members}; null and empty while the
     * group holding it has not said where it is); {@code after} is the last key copied so far
     * (null: none yet).
     */
    public record Transfer(int shard, GroupId source, List<Member> members, Key after) {}

    /**
     * One shard going to {@code receiver} (reached at {@code members}); {@code redirect}: the
     * receiver looks for it at another group, so it must be told to pull from this one ({@link
     * KvCommand.PullFrom}).
     */
    public record Handoff(int shard, GroupId receiver, List<Member> members, boolean redirect) {
        public Handoff {
            members = List.copyOf(members);
        }
    }
}
