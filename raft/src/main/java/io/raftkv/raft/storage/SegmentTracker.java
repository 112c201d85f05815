package io.raftkv.raft.storage;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.SnapshotMeta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the WAL needs to know to start new segments and delete old ones: per segment, the highest
 * entry index each group wrote in it; per group, its latest hard state and snapshot marker. Built
 * by recovery, then owned by the writer thread.
 *
 * <p>A segment other than the active one is obsolete once every group with entries in it is removed
 * or has a snapshot at or past those entries; the checkpoint that starts every later segment holds
 * the hard states and snapshot markers it may also have held.
 */
final class SegmentTracker {
    private record GroupState(Optional<HardState> hardState, Optional<SnapshotMeta> snapshot) {}

    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final TreeMap<Long, TreeMap<GroupId, Long>> maxEntryIndexes = new TreeMap<>();
    private final TreeMap<GroupId, GroupState> groups = new TreeMap<>();
    private final TreeMap<GroupId, SnapshotMeta> changedSnapshots = new TreeMap<>();

    void segmentStarted(Path segment) {
        long sequence = sequenceOf(segment);
        segments.put(sequence, segment);
        maxEntryIndexes.put(sequence, new TreeMap<>());
    }

    static long sequenceOf(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".wal".length()));
    }

    long nextSequence() {
        return segments.isEmpty() ? 1 : segments.lastKey() + 1;
    }

    Optional<Path> lastSegment() {
        return segments.isEmpty() ? Optional.empty() : Optional.of(segments.lastEntry().getValue());
    }

    /** Notes a record written (or replayed) into the newest segment. */
    void recordWritten(WalRecord record) {
        GroupId group = record.group();
        switch (record) {
            case WalRecord.Entries entries -> entriesWritten(group, entries.entries());
            case WalRecord.HardStateRecord state -> hardStateWritten(group, state.hardState());
            case WalRecord.EntriesWithHardState both -> {
                entriesWritten(group, both.entries());
                hardStateWritten(group, both.hardState());
            }
            case WalRecord.SnapshotMarker marker -> {
                if (!marker.replacesLog() && marker.meta().index() <= snapshotIndex(group)) {
                    return; // an older local snapshot changes nothing (as in StoredLog)
                }
                groups.merge(
                        group,
                        new GroupState(Optional.empty(), Optional.of(marker.meta())),
                        (old, update) -> new GroupState(old.hardState(), update.snapshot()));
                changedSnapshots.put(group, marker.meta());
                if (marker.replacesLog()) {
                    maxEntryIndexes.values().forEach(indexes -> indexes.remove(group));
                }
            }
            case WalRecord.GroupRemoved removed -> {
                groups.remove(group);
                changedSnapshots.remove(group);
                maxEntryIndexes.values().forEach(indexes -> indexes.remove(group));
            }
        }
    }

    /** The group's current snapshot, if it has one. */
    Optional<SnapshotMeta> snapshot(GroupId group) {
        GroupState state = groups.get(group);
        return state == null ? Optional.empty() : state.snapshot();
    }

    long snapshotIndex(GroupId group) {
        return snapshot(group).map(SnapshotMeta::index).orElse(0L);
    }

    private void entriesWritten(GroupId group, List<Entry> entries) {
        long last = entries.getLast().index();
        maxEntryIndexes.lastEntry().getValue().merge(group, last, Math::max);
        groups.putIfAbsent(group, new GroupState(Optional.empty(), Optional.empty()));
    }

    private void hardStateWritten(GroupId group, HardState hardState) {
        groups.merge(
                group,
                new GroupState(Optional.of(hardState), Optional.empty()),
                (old, update) -> new GroupState(update.hardState(), old.snapshot()));
    }

    /** The records that start a new segment: every group's snapshot marker and hard state. */
    List<WalRecord> checkpoint() {
        List<WalRecord> records = new ArrayList<>();
        groups.forEach(
                (group, state) -> {
                    state.snapshot()
                            .ifPresent(
                                    meta ->
                                            records.add(
                                                    new WalRecord.SnapshotMarker(
                                                            group, meta, false)));
                    state.hardState()
                            .ifPresent(
                                    hard ->
                                            records.add(
                                                    new WalRecord.HardStateRecord(group, hard)));
                });
        return records;
    }

    /** Forgets and returns the segments no longer needed, oldest first. */
    List<Path> obsoleteSegments() {
        List<Path> obsolete = new ArrayList<>();
        for (long sequence : List.copyOf(segments.headMap(segments.lastKey()).keySet())) {
            if (!isObsolete(maxEntryIndexes.get(sequence))) {
                break; // keep segments in order: replay needs a contiguous suffix
            }
            obsolete.add(segments.remove(sequence));
            maxEntryIndexes.remove(sequence);
        }
        return obsolete;
    }

    private boolean isObsolete(Map<GroupId, Long> maxIndexes) {
        for (var entry : maxIndexes.entrySet()) {
            GroupState state = groups.get(entry.getKey());
            long snapshotIndex =
                    state == null
                            ? Long.MAX_VALUE
                            : state.snapshot().map(SnapshotMeta::index).orElse(0L);
            if (snapshotIndex < entry.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The groups holding back the oldest segment, once more than {@code segmentsAllowed} segments
     * exist: those with entries in it past their snapshot.
     */
    Set<GroupId> groupsPinningOldestSegment(int segmentsAllowed) {
        if (segments.size() <= segmentsAllowed) {
            return Set.of();
        }
        Set<GroupId> pinning = new TreeSet<>();
        maxEntryIndexes
                .firstEntry()
                .getValue()
                .forEach(
                        (group, maxIndex) -> {
                            if (groups.containsKey(group) && snapshotIndex(group) < maxIndex) {
                                pinning.add(group);
                            }
                        });
        return pinning;
    }

    /** Groups whose snapshot changed since the last call, with the snapshot to keep. */
    Map<GroupId, SnapshotMeta> snapshotsToKeep() {
        Map<GroupId, SnapshotMeta> changed = new TreeMap<>(changedSnapshots);
        changedSnapshots.clear();
        return changed;
    }

    /** For tests: segment file names, oldest first. */
    List<Path> segmentFiles() {
        return List.copyOf(segments.values());
    }
}
