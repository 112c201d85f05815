package io.raftkv.shardkv.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.config.Member;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sends a request to whichever member of a group leads it: first the member remembered as leader,
 * then the one a {@code NotLeader} reply names, then the others in turn. Remembers the leader of
 * each group that answered. Runs on one loop; not thread-safe.
 */
public final class GroupRequests {
    private final GroupCaller caller;

    /** The last member of each group known to have led it. */
    private final Cache<GroupId, NodeId> leaders =
            Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();

    public GroupRequests(GroupCaller caller) {
        this.caller = caller;
    }

    /** The member of {@code group} that answered last, if any. */
    public java.util.Optional<NodeId> leaderOf(GroupId group) {
        return java.util.Optional.ofNullable(leaders.getIfPresent(group));
    }

    /**
     * Sends {@code payload} to {@code group} at {@code members}, trying each member about twice at
     * most. {@code done} gets a final reply ({@link ClientReply.Applied}, {@link
     * ClientReply.Value}, {@link ClientReply.Invalid} or {@link ClientReply.TooLarge}); or {@link
     * ClientReply.Overloaded}, from a leader too busy to take it now; or empty if no member gave an
     * answer. After the last two the caller backs off and tries again, and a proposal may have been
     * applied meanwhile.
     */
    public void call(
            GroupId group,
            List<Member> members,
            boolean read,
            byte[] payload,
            Consumer<Optional<ClientReply>> done) {
        call(group, members, read, payload, () -> {}, done);
    }

    /**
     * As {@link #call(GroupId, List, boolean, byte[], Consumer)}, and runs {@code onResend} each
     * time the payload goes out again after an answer that left its fate open (none came, or the
     * leader lost its leadership while the proposal was pending): a proposal sent again may have
     * been applied already.
     */
    public void call(
            GroupId group,
            List<Member> members,
            boolean read,
            byte[] payload,
            Runnable onResend,
            Consumer<Optional<ClientReply>> done) {
        if (members.isEmpty()) {
            done.accept(Optional.empty());
            return;
        }
        NodeId leader = leaders.getIfPresent(group);
        int start = 0;
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).node().equals(leader)) {
                start = i;
            }
        }
        attempt(group, members, read, payload, start, 2 * members.size(), onResend, done);
    }

    private void attempt(
            GroupId group,
            List<Member> members,
            boolean read,
            byte[] payload,
            int index,
            int attemptsLeft,
            Runnable onResend,
            Consumer<Optional<ClientReply>> done) {
        Member target = members.get(index);
        caller.call(
                target,
                group,
                read,
                payload,
                answer -> {
                    ClientReply reply = answer.orElse(null);
                    if (isFinal(reply) || reply instanceof ClientReply.Overloaded) {
                        leaders.put(group, target.node());
                        done.accept(answer);
                    } else if (attemptsLeft <= 1) {
                        leaders.invalidate(group);
                        done.accept(Optional.empty());
                    } else {
                        int next = nextTarget(members, index, reply);
                        if (!(reply instanceof ClientReply.NotLeader)) {
                            onResend.run(); // no answer, or Unknown: it may be in a log
                        }
                        attempt(
                                group,
                                members,
                                read,
                                payload,
                                next,
                                attemptsLeft - 1,
                                onResend,
                                done);
                    }
                });
    }

    private static boolean isFinal(ClientReply reply) {
        return reply instanceof ClientReply.Applied
                || reply instanceof ClientReply.Value
                || reply instanceof ClientReply.Invalid
                || reply instanceof ClientReply.Forbidden
                || reply instanceof ClientReply.TooLarge;
    }

    /** The member a NotLeader reply names, if it is another member; else the next in turn. */
    private static int nextTarget(List<Member> members, int index, ClientReply reply) {
        if (reply instanceof ClientReply.NotLeader notLeader && notLeader.leaderHint() != 0) {
            for (int i = 0; i < members.size(); i++) {
                if (i != index && members.get(i).node().value() == notLeader.leaderHint()) {
                    return i;
                }
            }
        }
        return (index + 1) % members.size();
    }
}
