package io.raftkv.raft.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.SeededCases;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoredLogTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final Membership VOTERS = Membership.of(NodeId.of(1));

    @Test
    void newLogIsEmpty() {
        assertThat(new StoredLog().state()).isEqualTo(PersistedState.EMPTY);
    }

    @Test
    void entriesAreStoredInIndexOrder() {
        StoredLog log = new StoredLog();

        log.apply(entries(entry(1, 1), entry(2, 1)));
        log.apply(entries(entry(3, 2)));

        assertThat(log.state().entries()).containsExactly(entry(1, 1), entry(2, 1), entry(3, 2));
    }

    @Test
    void entriesReplaceTheStoredSuffixFromTheirIndex() {
        StoredLog log = logOf(1, 1, 1, 1, 1);

        log.apply(entries(entry(3, 2)));

        assertThat(log.state().entries()).containsExactly(entry(1, 1), entry(2, 1), entry(3, 2));
    }

    @Test
    void rewritingStoredEntriesDropsWhatFollowsThem() {
        StoredLog log = logOf(1, 1, 1, 1);

        log.apply(entries(entry(2, 1)));

        assertThat(log.state().entries())
                .as("a write replaces every stored entry at or after its index")
                .containsExactly(entry(1, 1), entry(2, 1));
    }

    @Test
    void snapshotDropsTheEntriesItCovers() {
        StoredLog log = logOf(1, 1, 2, 2, 2);

        log.apply(snapshotWrite(snapshot(3, 2), false, List.of()));

        PersistedState state = log.state();
        assertThat(state.snapshot().map(Snapshot::meta)).contains(meta(3, 2));
        assertThat(state.entries()).containsExactly(entry(4, 2), entry(5, 2));
    }

    @Test
    void snapshotThatReplacesTheLogDropsEveryEntry() {
        StoredLog log = logOf(1, 1, 2, 2, 2);

        log.apply(snapshotWrite(snapshot(3, 2), true, List.of()));

        assertThat(log.state().snapshot().map(Snapshot::meta)).contains(meta(3, 2));
        assertThat(log.state().entries()).isEmpty();
    }

    @Test
    void entriesInTheSnapshotsWriteAreStoredAfterIt() {
        StoredLog log = logOf(1, 1);

        log.apply(snapshotWrite(snapshot(5, 2), true, List.of(entry(6, 2), entry(7, 3))));

        assertThat(log.state().entries()).containsExactly(entry(6, 2), entry(7, 3));
    }

    @Test
    void entriesCoveredByTheSnapshotAreIgnored() {
        StoredLog log = new StoredLog();
        log.apply(snapshotWrite(snapshot(5, 2), true, List.of()));

        log.apply(entries(entry(4, 2), entry(5, 2), entry(6, 2)));

        assertThat(log.state().entries()).containsExactly(entry(6, 2));
    }

    @Test
    void entryAfterAGapFailsLoudly() {
        StoredLog log = logOf(1, 1);

        assertThatThrownBy(() -> log.apply(entries(entry(4, 1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("gap");
        assertThat(log.state().entries()).hasSize(2);
    }

    @Test
    void firstEntryMustFollowTheSnapshot() {
        StoredLog empty = new StoredLog();
        assertThatThrownBy(() -> empty.apply(entries(entry(2, 1))))
                .isInstanceOf(IllegalStateException.class);

        StoredLog afterSnapshot = new StoredLog();
        afterSnapshot.apply(snapshotWrite(snapshot(5, 2), true, List.of()));
        assertThatThrownBy(() -> afterSnapshot.apply(entries(entry(7, 2))))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void olderOrEqualLocalSnapshotIsIgnored() {
        StoredLog log = logOf(1, 1, 2, 2, 2, 2);
        log.apply(snapshotWrite(snapshot(4, 2), false, List.of()));

        log.apply(snapshotWrite(snapshot(3, 2), false, List.of()));
        log.apply(snapshotWrite(new Snapshot(meta(4, 2), new byte[] {9}), false, List.of()));

        assertThat(log.state().snapshot().map(Snapshot::meta)).contains(meta(4, 2));
        assertThat(log.snapshotBytes()).isEqualTo(snapshot(4, 2).data().length);
        assertThat(log.state().entries()).containsExactly(entry(5, 2), entry(6, 2));
    }

    @Test
    void newerLocalSnapshotReplacesTheOlderOne() {
        StoredLog log = logOf(1, 1, 2, 2, 2, 2);
        log.apply(snapshotWrite(snapshot(2, 1), false, List.of()));

        log.apply(snapshotWrite(snapshot(5, 2), false, List.of()));

        assertThat(log.state().snapshot().map(Snapshot::meta)).contains(meta(5, 2));
        assertThat(log.state().entries()).containsExactly(entry(6, 2));
    }

    @Test
    void hardStateIsReplacedOnlyWhenAWriteCarriesOne() {
        StoredLog log = new StoredLog();
        HardState voted = new HardState(3, Optional.of(NodeId.of(2)), 0);
        log.apply(
                new GroupWrite(
                        GROUP, Optional.of(voted), Optional.empty(), false, List.of(), true));

        log.apply(entries(entry(1, 3)));

        assertThat(log.state().hardState()).isEqualTo(voted);
    }

    @Test
    void stateBytesCountsTheEntriesButNotTheSnapshot() {
        StoredLog log = logOf(1, 1, 1);
        long stateBytesBefore = log.stateBytes();

        log.apply(snapshotWrite(snapshot(2, 1), false, List.of()));

        assertThat(stateBytesBefore).isEqualTo(32 + 3 * entry(1, 1).sizeBytes());
        assertThat(log.stateBytes()).isEqualTo(32 + entry(3, 1).sizeBytes());
        assertThat(log.snapshotBytes()).isEqualTo(snapshot(2, 1).data().length);
    }

    @Test
    void stateIsASnapshotInTimeNotAView() {
        StoredLog log = logOf(1, 1);
        PersistedState before = log.state();

        log.apply(entries(entry(2, 2), entry(3, 2)));

        assertThat(before.entries()).containsExactly(entry(1, 1), entry(2, 1));
    }

    /**
     * Random writes as a replica would issue them: after every write the entries run contiguously
     * from just after the snapshot, and they agree with a list rebuilt from the same writes.
     */
    @Test
    void randomWritesKeepTheEntriesContiguousAfterTheSnapshot() {
        SeededCases.forEachSeed(
                140_000,
                1_000,
                (seed, random) -> {
                    StoredLog log = new StoredLog();
                    List<Entry> model = new ArrayList<>();
                    long modelSnapshotIndex = 0;
                    for (int step = 0; step < 60; step++) {
                        String context = "seed %d step %d".formatted(seed, step);
                        long nextIndex = modelSnapshotIndex + model.size() + 1;
                        if (random.nextInt(5) == 0) {
                            // A leader's snapshot is always past the local one (it is past the
                            // commit index); a local one may be stale.
                            boolean replaces = random.nextBoolean();
                            long index =
                                    random.nextLong(
                                            replaces ? modelSnapshotIndex + 1 : 1, nextIndex + 3);
                            if (index > modelSnapshotIndex) {
                                long dropTo = index;
                                model.removeIf(entry -> replaces || entry.index() <= dropTo);
                                modelSnapshotIndex = index;
                            }
                            log.apply(snapshotWrite(snapshot(index, 1), replaces, List.of()));
                        } else {
                            long from =
                                    random.nextLong(
                                            Math.max(1, modelSnapshotIndex - 2), nextIndex + 1);
                            int count = random.nextInt(1, 5);
                            List<Entry> written = new ArrayList<>();
                            for (long index = from; index < from + count; index++) {
                                written.add(entry(index, 1 + random.nextInt(3)));
                            }
                            for (Entry entry : written) {
                                if (entry.index() > modelSnapshotIndex) {
                                    int position = (int) (entry.index() - modelSnapshotIndex - 1);
                                    model.subList(position, model.size()).clear();
                                    model.add(entry);
                                }
                            }
                            log.apply(
                                    new GroupWrite(
                                            GROUP,
                                            Optional.empty(),
                                            Optional.empty(),
                                            false,
                                            written,
                                            false));
                        }
                        PersistedState state = log.state();
                        long snapshotIndex = state.snapshot().map(Snapshot::index).orElse(0L);
                        assertThat(snapshotIndex)
                                .as("%s: snapshot index", context)
                                .isEqualTo(modelSnapshotIndex);
                        for (int position = 0; position < state.entries().size(); position++) {
                            assertThat(state.entries().get(position).index())
                                    .as("%s: contiguous", context)
                                    .isEqualTo(snapshotIndex + 1 + position);
                        }
                        assertThat(state.entries()).as("%s: entries", context).isEqualTo(model);
                    }
                });
    }

    // ------------------------------------------------------------------ helpers

    private static Entry entry(long index, long term) {
        return Entry.command(index, term, new byte[] {(byte) index, (byte) term});
    }

    private static SnapshotMeta meta(long index, long term) {
        return new SnapshotMeta(index, term, VOTERS);
    }

    private static Snapshot snapshot(long index, long term) {
        return new Snapshot(meta(index, term), new byte[] {(byte) index, 1, 2});
    }

    private static GroupWrite entries(Entry... entries) {
        return new GroupWrite(
                GROUP, Optional.empty(), Optional.empty(), false, List.of(entries), false);
    }

    private static GroupWrite snapshotWrite(
            Snapshot snapshot, boolean replacesLog, List<Entry> entries) {
        return new GroupWrite(
                GROUP, Optional.empty(), Optional.of(snapshot), replacesLog, entries, true);
    }

    /** A log of entries 1.. with the given terms. */
    private static StoredLog logOf(long... terms) {
        StoredLog log = new StoredLog();
        List<Entry> entries = new ArrayList<>();
        for (int position = 0; position < terms.length; position++) {
            entries.add(entry(position + 1, terms[position]));
        }
        log.apply(new GroupWrite(GROUP, Optional.empty(), Optional.empty(), false, entries, false));
        return log;
    }
}
