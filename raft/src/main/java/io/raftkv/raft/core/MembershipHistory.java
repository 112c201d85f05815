package io.raftkv.raft.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a replica's membership comes from: the latest snapshot's, and the membership entries in the
 * log after it (usually none or one). The membership in force is the newest of these, since a
 * change takes effect when appended (thesis section 4.1); a follower whose newer entries a leader
 * overwrites falls back to the newest one left. Owned by its replica's {@link Reconfiguration}.
 */
final class MembershipHistory {
    /** A membership entry still in the log, decoded once. */
    private record Change(long term, Membership membership) {}

    private final RaftLog log;
    private final TreeMap<Long, Change> changes = new TreeMap<>();
    private Membership snapshotMembership;

    /** The history of a recovered log: its snapshot's membership, then its membership entries. */
    MembershipHistory(RaftLog log, Membership snapshotMembership, List<Entry> persisted) {
        this.log = log;
        this.snapshotMembership = snapshotMembership;
        persisted.forEach(this::appended);
    }

    /** The membership in force: the newest entry's, or the snapshot's if the log has none. */
    Membership current() {
        return changes.isEmpty() ? snapshotMembership : changes.lastEntry().getValue().membership();
    }

    /** The membership in force just after {@code index}, which is past the latest snapshot. */
    Membership at(long index) {
        Map.Entry<Long, Change> newest = changes.floorEntry(index);
        return newest == null ? snapshotMembership : newest.getValue().membership();
    }

    /** The index of the newest membership entry, or the snapshot's if the log has none. */
    long lastChangeIndex() {
        return changes.isEmpty() ? log.snapshotIndex() : changes.lastKey();
    }

    /** Notes {@code entry}, now in the log, if it changes the membership. */
    void appended(Entry entry) {
        if (entry.type() == EntryType.MEMBERSHIP && entry.index() > log.snapshotIndex()) {
            changes.put(entry.index(), new Change(entry.term(), Membership.decode(entry.data())));
        }
    }

    /**
     * Follows the log after a leader's append from {@code prevIndex}: changes the append overwrote
     * are forgotten, and those it brought are noted.
     */
    void appendedFromLeader(long prevIndex, List<Entry> appended) {
        changes.tailMap(prevIndex, false)
                .entrySet()
                .removeIf(change -> !log.matchTerm(change.getKey(), change.getValue().term()));
        for (Entry entry : appended) {
            if (log.matchTerm(entry.index(), entry.term())) {
                appended(entry);
            }
        }
    }

    /**
     * The log was compacted into {@code snapshot}: its membership replaces the entries it covers.
     */
    void compacted(SnapshotMeta snapshot) {
        snapshotMembership = snapshot.membership();
        changes.headMap(snapshot.index(), true).clear();
    }

    /** The log was replaced by a leader's snapshot. */
    void restored(SnapshotMeta snapshot) {
        snapshotMembership = snapshot.membership();
        changes.clear();
    }
}
