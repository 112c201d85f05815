package io.raftkv.raft.storage;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.host.RaftStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A node's write-ahead log, shared by every group on it (DESIGN.md, Raft storage).
 *
 * <p>Layout under the data directory: {@code wal/<sequence>.wal} segments of framed, checksummed
 * records ({@link WalRecord}) and {@code snapshots/} files ({@link SnapshotFiles}). One writer
 * thread takes every batch handed in since its last write, writes their records with one write call
 * and syncs once ({@code FileChannel.force}), then reports each batch durable in order: group
 * commit across rounds and groups. The host's loop never waits for the disk.
 *
 * <p>Segments roll over past {@code segmentBytes}; each new segment starts with a checkpoint of
 * every group's hard state and snapshot marker, so an old segment is deleted as soon as every group
 * with entries in it has a snapshot past them.
 *
 * <p>For a deterministic simulation, {@link #openWithWriterTasks} runs the writer as tasks on an
 * executor instead of on its own thread, and over any {@link Disk}; nothing else changes.
 *
 * <p>Recovery ({@link #open}) replays every segment; a torn tail is cut off, any other damage stops
 * the node ({@link WalCorruptionException}). A write or sync failure, or anything else thrown on
 * the writer thread ({@code Error}s included), is fatal: {@code onFatal} is called and no later
 * batch is reported durable (never retried: fsyncgate).
 */
public final class WriteAheadLog implements RaftStorage, AutoCloseable {
    /** What the log has done so far, for metrics. Any thread. */
    public record Stats(long bytesWritten, long syncs, long syncNanosTotal, long syncNanosMax) {}

    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder syncs = new LongAdder();
    private final LongAdder syncNanosTotal = new LongAdder();
    private final AtomicLong syncNanosMax = new AtomicLong();

    /**
     * Tuning.
     *
     * @param segmentBytes a segment rolls over past this size
     * @param recordBytesMax the largest record written or accepted at recovery
     * @param segmentsBeforeSnapshot past this many segments, the groups pinning the oldest one are
     *     asked to snapshot ({@link #groupsToSnapshot()})
     */
    public record Options(long segmentBytes, int recordBytesMax, int segmentsBeforeSnapshot) {
        public static Options defaults() {
            return new Options(64L << 20, 256 << 20, 4);
        }
    }

    /** One round's writes, or one group's removal. */
    private record Batch(List<GroupWrite> writes, List<GroupId> removals, Runnable onDurable) {
        /** Whether the batch must be synced before it counts as durable (etcd's MustSync). */
        boolean mustSync() {
            return !removals.isEmpty() || writes.stream().anyMatch(GroupWrite::sync);
        }
    }

    private static final Batch STOP = new Batch(List.of(), List.of(), () -> {});

    private final Disk disk;
    private final Path walDirectory;
    private final Options options;
    private final SnapshotFiles snapshotFiles;
    private final Consumer<Throwable> onFatal;
    private final LinkedBlockingQueue<Batch> queue = new LinkedBlockingQueue<>();

    /** The writer's own thread; empty when it runs as tasks on {@link #writerTasks}. */
    private final Optional<Thread> writer;

    /** Runs the writer's tasks one at a time, in order, when it has no thread of its own. */
    private final Optional<Executor> writerTasks;

    /** Whether a task to write what is queued is pending on {@link #writerTasks}. */
    private final AtomicBoolean writeTaskPending = new AtomicBoolean();

    /** What recovery found, handed out once per group by {@link #load}. Guarded by this. */
    private final TreeMap<GroupId, ReplayedLog> recovered;

    /** Writer thread only. */
    private final SegmentTracker tracker;

    /** Published by the writer thread after each write. */
    private volatile Set<GroupId> groupsToSnapshot = Set.of();

    private FileChannel active;
    private long activeBytes;
    private volatile boolean failed;

    private WriteAheadLog(
            Disk disk,
            Path dataDirectory,
            Options options,
            Consumer<Throwable> onFatal,
            Recovery recovery,
            Optional<Executor> writerTasks)
            throws IOException {
        this.disk = disk;
        this.walDirectory = dataDirectory.resolve("wal");
        this.options = options;
        this.snapshotFiles = new SnapshotFiles(disk, dataDirectory.resolve("snapshots"));
        this.onFatal = onFatal;
        this.recovered = recovery.logs();
        this.tracker = recovery.tracker();
        this.writerTasks = writerTasks;
        openActiveSegment();
        if (writerTasks.isPresent()) {
            this.writer = Optional.empty();
        } else {
            Thread thread = new Thread(this::writeLoop, "raftkv-wal");
            thread.setDaemon(true);
            thread.start();
            this.writer = Optional.of(thread);
        }
    }

    public Stats stats() {
        return new Stats(bytesWritten.sum(), syncs.sum(), syncNanosTotal.sum(), syncNanosMax.get());
    }

    /**
     * Opens (creating if needed) the log under {@code dataDirectory}, replaying what it holds.
     *
     * @throws WalCorruptionException if a segment or snapshot file fails its checks anywhere but at
     *     a torn tail
     */
    public static WriteAheadLog open(
            Path dataDirectory, Options options, Consumer<Throwable> onFatal) throws IOException {
        return open(Disk.local(), dataDirectory, options, onFatal, Optional.empty());
    }

    /**
     * Opens the log as {@link #open} does, but on {@code disk}, and with no writer thread: each
     * batch handed in makes sure a task is queued on {@code writerTasks} that writes (and syncs)
     * everything handed in by the time it runs, then reports it durable. {@code writerTasks} must
     * run the tasks one at a time, in order, and not on the caller's stack (a simulation's
     * scheduler, whose delay stands for the time a sync takes). For tests.
     */
    public static WriteAheadLog openWithWriterTasks(
            Disk disk,
            Executor writerTasks,
            Path dataDirectory,
            Options options,
            Consumer<Throwable> onFatal)
            throws IOException {
        return open(disk, dataDirectory, options, onFatal, Optional.of(writerTasks));
    }

    private static WriteAheadLog open(
            Disk disk,
            Path dataDirectory,
            Options options,
            Consumer<Throwable> onFatal,
            Optional<Executor> writerTasks)
            throws IOException {
        Path walDirectory = Fsync.createDirectories(disk, dataDirectory.resolve("wal"));
        Recovery recovery = Recovery.replay(disk, walDirectory, options.recordBytesMax());
        return new WriteAheadLog(disk, dataDirectory, options, onFatal, recovery, writerTasks);
    }

    // ---------------------------------------------------------------- RaftStorage

    @Override
    public synchronized SortedSet<GroupId> groups() {
        return new TreeSet<>(recovered.keySet());
    }

    /**
     * What recovery found for {@code group}, snapshot data read from its file. Call once per group,
     * before the group writes: the recovered entries are released afterwards.
     */
    @Override
    public synchronized PersistedState load(GroupId group) {
        ReplayedLog log = recovered.remove(group);
        if (log == null) {
            return PersistedState.EMPTY;
        }
        try {
            Optional<Snapshot> snapshot = Optional.empty();
            if (log.snapshotMeta().isPresent()) {
                snapshot = Optional.of(snapshotFiles.read(group, log.snapshotMeta().get()));
            }
            return log.state(snapshot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Set<GroupId> groupsToSnapshot() {
        return groupsToSnapshot;
    }

    @Override
    public void persist(List<GroupWrite> writes, Runnable onDurable) {
        Check.that(!failed, "the write-ahead log failed; the node must stop");
        enqueue(new Batch(List.copyOf(writes), List.of(), onDurable));
    }

    /** Queues the group's removal; it is durable before any batch handed in later. */
    @Override
    public void remove(GroupId group) {
        synchronized (this) {
            recovered.remove(group);
        }
        enqueue(new Batch(List.of(), List.of(group), () -> {}));
    }

    private void enqueue(Batch batch) {
        queue.add(batch);
        if (writerTasks.isPresent() && !writeTaskPending.getAndSet(true)) {
            writerTasks.get().execute(this::writeQueued);
        }
    }

    /** Stops the writer after the batches already handed in. */
    @Override
    public void close() throws IOException {
        if (writer.isPresent()) {
            queue.add(STOP);
            try {
                writer.get().join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            writeQueued();
        }
        active.force(false); // the last round may not have been synced
        active.close();
    }

    // ---------------------------------------------------------------- writer thread

    private void writeLoop() {
        List<Batch> batches = new ArrayList<>();
        try {
            while (true) {
                batches.add(queue.take());
                queue.drainTo(batches);
                boolean stop = batches.remove(STOP);
                if (!writeAndReport(batches) || stop) {
                    return;
                }
                batches.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A writer task ({@link #openWithWriterTasks}): writes everything handed in so far. */
    private void writeQueued() {
        writeTaskPending.set(false);
        List<Batch> batches = new ArrayList<>();
        queue.drainTo(batches);
        if (!batches.isEmpty() && !failed) {
            writeAndReport(batches);
        }
    }

    /**
     * Writes the batches and reports each durable, in order; false if that failed, which is fatal
     * (the log takes no more batches).
     */
    private boolean writeAndReport(List<Batch> batches) {
        try {
            writeBatches(batches);
            for (Batch batch : batches) {
                batch.onDurable().run();
            }
            return true;
        } catch (Throwable e) { // NB: an Error too, or the host would wait forever on its batch
            failed = true;
            onFatal.accept(e);
            return false;
        }
    }

    /**
     * Writes every batch's records with one write and, unless no batch needs it, one sync; rolls
     * and cleans segments. A round that only moved commit indexes ({@link GroupWrite#sync} false
     * throughout) is not synced: a crash may lose it, which only sets a commit index back, and the
     * next sync makes it durable with the rest. Files are deleted only after a sync.
     */
    private void writeBatches(List<Batch> batches) throws IOException {
        List<WalRecord> records = new ArrayList<>();
        boolean mustSync = batches.stream().anyMatch(Batch::mustSync);
        if (activeBytes >= options.segmentBytes()) {
            rollSegment();
            records.addAll(tracker.checkpoint());
            mustSync = true;
        }
        // Snapshot indexes as of each write in this round, removals and new snapshots included.
        Map<GroupId, Long> snapshotIndexes = new HashMap<>();
        for (Batch batch : batches) {
            for (GroupId removed : batch.removals()) {
                records.add(new WalRecord.GroupRemoved(removed));
                snapshotIndexes.put(removed, 0L);
            }
            for (GroupWrite write : batch.writes()) {
                long current =
                        snapshotIndexes.computeIfAbsent(write.group(), tracker::snapshotIndex);
                records.addAll(recordsOf(write, current));
                write.snapshot()
                        .filter(
                                snapshot ->
                                        write.snapshotReplacesLog() || snapshot.index() > current)
                        .ifPresent(
                                snapshot -> snapshotIndexes.put(write.group(), snapshot.index()));
            }
        }
        if (records.isEmpty()) {
            return;
        }
        ByteBuffer buffer = encode(records);
        bytesWritten.add(buffer.remaining());
        while (buffer.hasRemaining()) {
            active.write(buffer);
        }
        if (mustSync) {
            sync();
        }
        for (WalRecord record : records) {
            tracker.recordWritten(record);
        }
        if (mustSync) {
            deleteObsoleteFiles(records);
        }
        groupsToSnapshot = tracker.groupsPinningOldestSegment(options.segmentsBeforeSnapshot());
    }

    private void sync() throws IOException {
        long syncStart = System.nanoTime();
        if (!PlantedBugs.planted(WalBug.SKIP_SYNC)) {
            active.force(false);
        }
        long syncNanos = System.nanoTime() - syncStart;
        syncs.increment();
        syncNanosTotal.add(syncNanos);
        syncNanosMax.accumulateAndGet(syncNanos, Math::max);
    }

    /**
     * A group write as records: snapshot marker (its file written first), then entries, then hard
     * state. A local snapshot no newer than the group's current one is skipped, as {@link
     * io.raftkv.raft.host.StoredLog} skips it.
     */
    private List<WalRecord> recordsOf(GroupWrite write, long currentSnapshotIndex)
            throws IOException {
        List<WalRecord> records = new ArrayList<>();
        if (write.snapshot().isPresent()) {
            Snapshot snapshot = write.snapshot().get();
            boolean stale =
                    !write.snapshotReplacesLog() && snapshot.index() <= currentSnapshotIndex;
            if (!stale) {
                snapshotFiles.write(write.group(), snapshot);
                records.add(
                        new WalRecord.SnapshotMarker(
                                write.group(), snapshot.meta(), write.snapshotReplacesLog()));
            }
        }
        List<WalRecord> entries = entryRecords(write);
        if (entries.size() == 1 && write.hardState().isPresent()) {
            // The usual case: entries and hard state in one record.
            List<Entry> only = ((WalRecord.Entries) entries.getFirst()).entries();
            records.add(
                    new WalRecord.EntriesWithHardState(
                            write.group(), only, write.hardState().get()));
            return records;
        }
        records.addAll(entries);
        // NB: the hard state goes last so that a torn write never leaves a commit index past
        // the entries it covers.
        write.hardState()
                .ifPresent(
                        state -> records.add(new WalRecord.HardStateRecord(write.group(), state)));
        return records;
    }

    /** The write's entries in records of at most half the record limit each. */
    private List<WalRecord> entryRecords(GroupWrite write) {
        List<WalRecord> records = new ArrayList<>();
        List<Entry> chunk = new ArrayList<>();
        long chunkBytes = 0;
        long limit = options.recordBytesMax() / 2;
        for (Entry entry : write.entries()) {
            long bytes = WalRecord.entryBytes(entry);
            Check.argument(bytes <= limit, "entry %s is larger than a WAL record may be", entry);
            if (!chunk.isEmpty() && chunkBytes + bytes > limit) {
                records.add(new WalRecord.Entries(write.group(), chunk));
                chunk = new ArrayList<>();
                chunkBytes = 0;
            }
            chunk.add(entry);
            chunkBytes += bytes;
        }
        if (!chunk.isEmpty()) {
            records.add(new WalRecord.Entries(write.group(), chunk));
        }
        return records;
    }

    private ByteBuffer encode(List<WalRecord> records) {
        int total = 0;
        for (WalRecord record : records) {
            total += WalRecord.HEADER_BYTES + WalRecord.bodyBytes(record);
        }
        ByteBuffer buffer = ByteBuffer.allocate(total);
        for (WalRecord record : records) {
            int start = buffer.position();
            buffer.position(start + WalRecord.HEADER_BYTES);
            WalRecord.writeBody(record, buffer);
            int length = buffer.position() - start - WalRecord.HEADER_BYTES;
            CRC32C crc = new CRC32C();
            crc.update(buffer.array(), start + WalRecord.HEADER_BYTES, length);
            buffer.putInt(start, length).putInt(start + 4, (int) crc.getValue());
        }
        Check.that(
                !buffer.hasRemaining(), "record size estimate was off by %d", buffer.remaining());
        activeBytes += total;
        return buffer.flip();
    }

    private void openActiveSegment() throws IOException {
        Path last = tracker.lastSegment().orElse(null);
        if (last == null) {
            rollSegment();
            return;
        }
        active = disk.open(last, StandardOpenOption.WRITE, StandardOpenOption.READ);
        activeBytes = active.size();
        active.position(activeBytes);
    }

    private void rollSegment() throws IOException {
        if (active != null) {
            // NB: synced before the next segment can exist on disk. Recovery cuts a torn tail off
            // the last segment only, and calls damage in any other one corruption, so every
            // segment but the last must be whole on disk first. Synced after the next one was
            // created, an unsynced round torn by a power loss between the two stopped the node
            // for good (RealWalSwarmTest, seed 2000001).
            if (!PlantedBugs.planted(WalBug.ROLL_BEFORE_SYNC)) {
                active.force(false);
            }
        }
        Path next = walDirectory.resolve("%020d.wal".formatted(tracker.nextSequence()));
        FileChannel channel =
                disk.open(next, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer magic = ByteBuffer.wrap(SegmentReader.MAGIC);
        while (magic.hasRemaining()) {
            channel.write(magic);
        }
        channel.force(false);
        disk.syncDirectory(walDirectory);
        if (active != null) {
            if (PlantedBugs.planted(WalBug.ROLL_BEFORE_SYNC)) {
                active.force(false);
            }
            active.close();
        }
        active = channel;
        activeBytes = SegmentReader.MAGIC.length;
        tracker.segmentStarted(next);
    }

    /**
     * After a sync: deletes segments no group needs, snapshot files superseded by a durable newer
     * one, and those of groups whose removal is now durable (unless the group was created again
     * since, in which case only its older files go).
     */
    private void deleteObsoleteFiles(List<WalRecord> synced) throws IOException {
        List<Path> obsolete = tracker.obsoleteSegments();
        for (Path segment : obsolete) {
            disk.deleteIfExists(segment);
        }
        if (!obsolete.isEmpty()) {
            disk.syncDirectory(walDirectory);
        }
        for (WalRecord record : synced) {
            if (record instanceof WalRecord.GroupRemoved removed) {
                Optional<SnapshotMeta> current = tracker.snapshot(removed.group());
                if (current.isEmpty()) {
                    snapshotFiles.deleteAll(removed.group());
                }
            }
        }
        for (var entry : tracker.snapshotsToKeep().entrySet()) {
            snapshotFiles.deleteAllBut(entry.getKey(), entry.getValue());
        }
    }

    /** The segment files, oldest first, for tests and tools. */
    public List<Path> segments() throws IOException {
        return disk.list(walDirectory).stream()
                .filter(file -> file.toString().endsWith(".wal"))
                .sorted()
                .toList();
    }
}
