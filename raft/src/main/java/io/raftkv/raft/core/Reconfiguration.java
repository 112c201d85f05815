package io.raftkv.raft.core;

import io.raftkv.raft.core.Rejection.Overloaded;
import java.util.List;
import java.util.Optional;

/**
 * A replica's membership changes, one server at a time (thesis chapter 4): the membership it acts
 * on, the {@link MembershipHistory} that membership comes from, and the leader's rules for
 * proposing a change.
 *
 * <p>A change takes effect when appended, not when committed (thesis section 4.1), so every path
 * that adds or removes membership entries (the leader's own append, the leader's entries on a
 * follower, a restored snapshot) goes through here and adopts the newest membership at once. Owned
 * by its {@link RaftReplica}, on its thread.
 */
final class Reconfiguration {
    private final RaftReplica replica;
    private final RaftLog log;
    private final MembershipHistory history;

    /** The membership this replica acts on: {@link MembershipHistory#current()} once adopted. */
    private Membership membership;

    Reconfiguration(RaftReplica replica, RaftLog log, MembershipHistory history) {
        this.replica = replica;
        this.log = log;
        this.history = history;
        this.membership = history.current();
    }

    Membership membership() {
        return membership;
    }

    /** The index of the newest membership entry, or the snapshot's if the log has none. */
    long lastChangeIndex() {
        return history.lastChangeIndex();
    }

    /** The membership in force just after {@code index}, which is past the latest snapshot. */
    Membership membershipAt(long index) {
        return history.at(index);
    }

    /**
     * The log was compacted into {@code snapshot}: its membership replaces the entries it covers.
     */
    void compacted(SnapshotMeta snapshot) {
        history.compacted(snapshot);
    }

    /**
     * The leader's part of {@link RaftReplica#proposeMembership}: refuses a change until the leader
     * has committed an entry of its term, while the previous change is uncommitted, or if it does
     * not apply to the current membership; otherwise appends it and acts on it at once.
     */
    ChangeResult propose(MembershipChange change, Leadership leadership) {
        long term = replica.term();
        if (!leadership.committedInCurrentTerm()) {
            return new ChangeResult.Refused(
                    "the leader has not committed an entry of term %d yet".formatted(term));
        }
        long pendingIndex = history.lastChangeIndex();
        if (pendingIndex > log.commitIndex()) {
            return new ChangeResult.Refused(
                    "the membership change at index %d is not committed yet"
                            .formatted(pendingIndex));
        }
        Membership next;
        try {
            next = change.applyTo(membership);
        } catch (IllegalArgumentException invalid) {
            return new ChangeResult.Refused(invalid.getMessage());
        }
        Entry entry = Entry.membership(log.lastIndex() + 1, term, next);
        Optional<Overloaded> overloaded = leadership.append(entry);
        if (overloaded.isPresent()) {
            return overloaded.get();
        }
        appended(entry, next);
        return new ProposeResult.Accepted(entry.index(), term);
    }

    /** Acts on {@code entry}, just appended by this replica, which makes {@code next} in force. */
    void appended(Entry entry, Membership next) {
        history.appended(entry);
        adopt(next);
    }

    /** Acts on the leader's {@code entries}, just appended after {@code prevIndex}. */
    void appendedFromLeader(long prevIndex, List<Entry> entries) {
        history.appendedFromLeader(prevIndex, entries);
        adopt(history.current());
    }

    /** Acts on a snapshot from the leader that replaced the whole log. */
    void restored(SnapshotMeta snapshot) {
        history.restored(snapshot);
        adopt(history.current());
    }

    /** Acts on the membership in force from now on, if it is a new one. */
    private void adopt(Membership next) {
        if (next.equals(membership)) {
            return;
        }
        membership = next;
        Role role = replica.role();
        if (role == Role.LEADER) {
            replica.leadership().membershipChanged(next);
        } else if (!next.isVoter(replica.id()) && role != Role.FOLLOWER) {
            // a non-voter's campaign counts for nothing
            replica.becomeFollower(replica.term(), Optional.empty());
        }
    }
}
