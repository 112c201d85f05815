package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.RaftStorage;
import io.raftkv.raft.host.StoredLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * One node's simulated disk. A batch becomes durable {@code syncDelayMillis} of virtual time after
 * it is handed in; only then does the host hear that it is. A crash loses every batch not yet
 * durable, and may tear the oldest of them: a prefix of its records reaches the disk (entries in
 * order; a group's hard state is written after its entries, so a torn group loses it).
 *
 * <p>A batch with no write to sync ({@link GroupWrite#sync}: only commit indexes moved) is written
 * but not synced, as the WAL does: the host hears at once that it is done, and it reaches the disk
 * only with the next synced batch. A crash before that loses it.
 *
 * <p>The object outlives crashes of the node's host: it is the disk.
 */
public final class SimStorage implements RaftStorage, SimDisk {
    /** Writes handed in together; {@code sequence} orders them against removals. */
    private record Batch(long sequence, List<GroupWrite> writes) {}

    private final SimScheduler scheduler;
    private final SplittableRandom random;
    private final TreeMap<GroupId, StoredLog> durable = new TreeMap<>();
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();

    /** Batches written without a sync, in order: durable once a later synced batch is. */
    private final List<Batch> unsynced = new ArrayList<>();

    /**
     * Per removed group, the sequence of the first batch handed in after its removal. As in the
     * WAL, a removal lands after the batches handed in before it, so their writes of that group
     * must not bring it back when they become durable.
     */
    private final TreeMap<GroupId, Long> removedBeforeBatch = new TreeMap<>();

    private long nextBatchSequence;
    private long syncDelayMillis = 1;

    /** When the last batch handed in becomes durable: batches complete in order. */
    private long lastDurableAtMillis;

    private long tornWrites;

    SimStorage(SimScheduler scheduler, SplittableRandom random) {
        this.scheduler = scheduler;
        this.random = random;
    }

    @Override
    public RaftStorage open(Consumer<Throwable> onFatal) {
        return this;
    }

    @Override
    public SortedSet<GroupId> storedGroups() {
        return groups();
    }

    @Override
    public void removeWhileDown(GroupId group) {
        remove(group);
    }

    @Override
    public void syncDelayMillis(long millis) {
        syncDelayMillis = millis;
    }

    @Override
    public SortedSet<GroupId> groups() {
        return new TreeSet<>(durable.keySet());
    }

    @Override
    public PersistedState load(GroupId group) {
        StoredLog log = durable.get(group);
        return log == null ? PersistedState.EMPTY : log.state();
    }

    @Override
    public void persist(List<GroupWrite> writes, Runnable onDurable) {
        Batch batch = new Batch(nextBatchSequence++, List.copyOf(writes));
        if (inFlight.isEmpty() && writes.stream().noneMatch(GroupWrite::sync)) {
            unsynced.add(batch);
            scheduler.schedule(0, onDurable);
            return;
        }
        inFlight.addLast(batch);
        lastDurableAtMillis =
                Math.max(scheduler.nowMillis() + syncDelayMillis, lastDurableAtMillis);
        scheduler.schedule(
                lastDurableAtMillis - scheduler.nowMillis(),
                () -> {
                    if (inFlight.peekFirst() != batch) {
                        return; // lost in a crash
                    }
                    inFlight.removeFirst();
                    for (Batch written : unsynced) {
                        written.writes().forEach(write -> applyDurably(written, write));
                    }
                    unsynced.clear();
                    batch.writes().forEach(write -> applyDurably(batch, write));
                    onDurable.run();
                });
    }

    /**
     * Deletes the group's stored state, and its writes still in flight (as the WAL orders them).
     */
    @Override
    public void remove(GroupId group) {
        durable.remove(group);
        removedBeforeBatch.put(group, nextBatchSequence);
    }

    /**
     * The node crashed: batches not yet durable are lost; with probability {@code tearRate} a
     * prefix of the oldest one reached the disk.
     */
    @Override
    public void crash(double tearRate) {
        Batch oldest = inFlight.peekFirst();
        inFlight.clear();
        unsynced.clear();
        if (oldest != null && random.nextDouble() < tearRate) {
            tearInto(oldest);
            tornWrites++;
        }
    }

    private void tearInto(Batch batch) {
        List<GroupWrite> writes = batch.writes();
        int groupsWhole = random.nextInt(writes.size());
        for (int i = 0; i < groupsWhole; i++) {
            applyDurably(batch, writes.get(i));
        }
        GroupWrite torn = writes.get(groupsWhole);
        int entriesKept = random.nextInt(torn.entries().size() + 1);
        applyDurably(
                batch,
                new GroupWrite(
                        torn.group(),
                        Optional.empty(),
                        torn.snapshot(),
                        torn.snapshotReplacesLog(),
                        new ArrayList<>(torn.entries().subList(0, entriesKept)),
                        torn.sync()));
    }

    private void applyDurably(Batch batch, GroupWrite write) {
        if (batch.sequence() < removedBeforeBatch.getOrDefault(write.group(), Long.MIN_VALUE)) {
            return; // the group was removed after this batch was handed in
        }
        durable.computeIfAbsent(write.group(), group -> new StoredLog()).apply(write);
    }

    @Override
    public Optional<Durable> durable(GroupId group) {
        return Optional.ofNullable(durable.get(group))
                .map(log -> new Durable(log.hardState(), log.lastIndex()));
    }

    /** The persisted Raft state of {@code group} without its snapshot (the lab's LogSize). */
    public long stateBytes(GroupId group) {
        StoredLog log = durable.get(group);
        return log == null ? 0 : log.stateBytes();
    }

    public long snapshotBytes(GroupId group) {
        StoredLog log = durable.get(group);
        return log == null ? 0 : log.snapshotBytes();
    }

    public long tornWrites() {
        return tornWrites;
    }
}
