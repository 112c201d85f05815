package io.raftkv.raft.sim;

import io.raftkv.common.Check;
import io.raftkv.raft.storage.Disk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One simulated node's file system, for running the real {@link
 * io.raftkv.raft.storage.WriteAheadLog} in the simulator (issue 15). It outlives crashes of the
 * node: it is the disk.
 *
 * <p>What it models:
 *
 * <ul>
 *   <li>Each file has a durable image and the writes (and truncations) made since its last {@code
 *       force}, in order. {@code force} makes them durable. A {@link #crash} keeps a random prefix
 *       of them per file and loses the rest; with probability {@code tearRate} the first write lost
 *       is torn: a prefix of its bytes lands, and half the time the file's size covers the whole
 *       write with zeros past the prefix (the size reached the disk, the data did not).
 *   <li>Directory entries (files created, renamed, deleted) are durable only once their directory
 *       is synced; a crash brings back the entries as last synced (a deleted file reappears with
 *       its durable content, a created or renamed one vanishes or reverts).
 *   <li>Once {@link #failSyncs} arms it, a sync of a file or a directory fails with probability
 *       {@code rate} ({@link InjectedSyncFailure}), leaving the writes it should have made durable
 *       as unsynced as before; the log must stop, and the harness crashes the node.
 * </ul>
 *
 * <p>What it does not model: directories themselves are durable once created (the log creates its
 * two directories once, at first start, and syncs their parent right after); lost writes are a
 * prefix, never a later write without an earlier one of the same file (out-of-order page
 * write-back, which the log would report as corruption, by design); no read errors, no bit rot, no
 * full disk, no failures while the node recovers (syncs fail only once armed).
 *
 * <p>Single-threaded, as the simulator is. Iteration is in path order, so runs replay.
 */
public final class FaultyFiles implements Disk {
    /** A sync failure this disk injected: the log must treat it as fatal. */
    public static final class InjectedSyncFailure extends IOException {
        InjectedSyncFailure(String what) {
            super("injected fsync failure on " + what);
        }
    }

    private sealed interface Change {
        record Write(long position, byte[] bytes) implements Change {}

        record Truncate(long size) implements Change {}
    }

    /** A file's data, whatever names it has. */
    private static final class Inode {
        private byte[] durable = new byte[0];
        private byte[] current = new byte[0];
        private final List<Change> unsynced = new ArrayList<>();

        void write(long position, byte[] bytes) {
            current = written(current, position, bytes);
            unsynced.add(new Change.Write(position, bytes));
        }

        void truncate(long size) {
            if (size < current.length) {
                current = Arrays.copyOf(current, (int) size);
                unsynced.add(new Change.Truncate(size));
            }
        }

        void sync() {
            durable = current;
            unsynced.clear();
        }

        /** What a crash leaves: the durable image, then a prefix of the unsynced changes. */
        void crash(SplittableRandom random, double tearRate, Counters counters) {
            int kept = random.nextInt(unsynced.size() + 1);
            byte[] image = durable;
            for (Change change : unsynced.subList(0, kept)) {
                image = applied(image, change);
            }
            if (kept < unsynced.size()
                    && unsynced.get(kept) instanceof Change.Write write
                    && write.bytes().length > 1
                    && random.nextDouble() < tearRate) {
                int landed = 1 + random.nextInt(write.bytes().length - 1);
                byte[] torn = Arrays.copyOf(write.bytes(), landed);
                if (random.nextBoolean()) { // the size landed, the data past the prefix did not
                    torn = Arrays.copyOf(torn, write.bytes().length);
                }
                image = written(image, write.position(), torn);
                counters.tornWrites++;
            }
            counters.changesLost += unsynced.size() - kept;
            durable = image;
            current = image;
            unsynced.clear();
        }

        private static byte[] applied(byte[] image, Change change) {
            return switch (change) {
                case Change.Write write -> written(image, write.position(), write.bytes());
                case Change.Truncate truncate ->
                        Arrays.copyOf(image, (int) Math.min(image.length, truncate.size()));
            };
        }

        private static byte[] written(byte[] image, long position, byte[] bytes) {
            Check.argument(position + bytes.length <= Integer.MAX_VALUE, "file too large");
            int end = (int) position + bytes.length;
            byte[] result = end > image.length ? Arrays.copyOf(image, end) : image.clone();
            System.arraycopy(bytes, 0, result, (int) position, bytes.length);
            return result;
        }
    }

    private static final class Counters {
        long syncFailures;
        long tornWrites;
        long changesLost;
        long crashes;
    }

    private final SplittableRandom random;
    private final TreeSet<Path> directories = new TreeSet<>();
    private final TreeMap<Path, Inode> entries = new TreeMap<>();
    private final TreeMap<Path, Inode> durableEntries = new TreeMap<>();
    private final Counters counters = new Counters();
    private double syncFailureRate;

    /** Bumped by each crash: channels opened before it are closed by it. */
    private long generation;

    /** Bumped whenever what is durable may have changed. */
    private long durableVersion;

    /** A file system holding only its root directory. */
    public FaultyFiles(SplittableRandom random) {
        this.random = random;
        directories.add(key(Path.of("/")));
    }

    /** From now on each sync fails with probability {@code rate} (0: never). */
    public void failSyncs(double rate) {
        syncFailureRate = rate;
    }

    /**
     * The machine lost power: every file keeps its durable image and a random prefix of its
     * unsynced writes (the first one lost torn with probability {@code tearRate}), and every
     * directory its entries as last synced. What is left is durable. Open channels are closed.
     */
    public void crash(double tearRate) {
        Set<Inode> crashed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Inode inode : durableEntries.values()) {
            if (crashed.add(inode)) {
                inode.crash(random, tearRate, counters);
            }
        }
        entries.clear();
        entries.putAll(durableEntries);
        generation++;
        durableVersion++;
        counters.crashes++;
        syncFailureRate = 0;
    }

    /**
     * A new file system holding only what is durable here: what every crash would leave at least.
     * Faults off.
     */
    public FaultyFiles durableCopy() {
        FaultyFiles copy = new FaultyFiles(new SplittableRandom(0));
        copy.directories.addAll(directories);
        Map<Inode, Inode> copies = new IdentityHashMap<>();
        durableEntries.forEach(
                (path, inode) -> {
                    Inode copied =
                            copies.computeIfAbsent(
                                    inode,
                                    original -> {
                                        Inode fresh = new Inode();
                                        fresh.durable = original.durable;
                                        fresh.current = original.durable;
                                        return fresh;
                                    });
                    copy.entries.put(path, copied);
                    copy.durableEntries.put(path, copied);
                });
        return copy;
    }

    /** Changes whenever what is durable may have changed (a sync or a crash). */
    public long durableVersion() {
        return durableVersion;
    }

    public long syncFailures() {
        return counters.syncFailures;
    }

    public long tornWrites() {
        return counters.tornWrites;
    }

    /** Unsynced writes and truncations crashes lost, torn ones included. */
    public long changesLost() {
        return counters.changesLost;
    }

    public long crashes() {
        return counters.crashes;
    }

    private void maybeFailSync(Path what) throws InjectedSyncFailure {
        if (syncFailureRate > 0 && random.nextDouble() < syncFailureRate) {
            counters.syncFailures++;
            throw new InjectedSyncFailure(what.toString());
        }
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private Inode inode(Path file) throws NoSuchFileException {
        Inode inode = entries.get(key(file));
        if (inode == null) {
            throw new NoSuchFileException(file.toString());
        }
        return inode;
    }

    private void checkParent(Path path) throws NoSuchFileException {
        Path parent = key(path).getParent();
        if (parent != null && !directories.contains(parent)) {
            throw new NoSuchFileException(path.toString(), null, "no such directory");
        }
    }

    // ---------------------------------------------------------------- Disk

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> opts = Set.of(options);
        Path key = key(file);
        if (directories.contains(key)) {
            throw new IOException(file + " is a directory");
        }
        Inode inode = entries.get(key);
        if (inode != null && opts.contains(StandardOpenOption.CREATE_NEW)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        if (inode == null) {
            if (!opts.contains(StandardOpenOption.CREATE)
                    && !opts.contains(StandardOpenOption.CREATE_NEW)) {
                throw new NoSuchFileException(file.toString());
            }
            checkParent(file);
            inode = new Inode();
            entries.put(key, inode);
        }
        boolean writable = opts.contains(StandardOpenOption.WRITE);
        boolean readable = opts.contains(StandardOpenOption.READ) || !writable;
        Check.argument(!opts.contains(StandardOpenOption.APPEND), "APPEND is not simulated");
        if (writable && opts.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            inode.truncate(0);
        }
        return new Channel(key, inode, readable, writable);
    }

    @Override
    public List<Path> list(Path directory) throws IOException {
        Path key = key(directory);
        if (!directories.contains(key)) {
            throw new NoSuchFileException(directory.toString());
        }
        List<Path> found = new ArrayList<>();
        for (Path path : entries.keySet()) {
            if (key.equals(path.getParent())) {
                found.add(path);
            }
        }
        for (Path path : directories) {
            if (key.equals(path.getParent())) {
                found.add(path);
            }
        }
        return found;
    }

    @Override
    public boolean exists(Path file) {
        return entries.containsKey(key(file)) || directories.contains(key(file));
    }

    @Override
    public boolean isDirectory(Path path) {
        return directories.contains(key(path));
    }

    @Override
    public long size(Path file) throws IOException {
        return inode(file).current.length;
    }

    @Override
    public byte[] readAllBytes(Path file) throws IOException {
        return inode(file).current.clone();
    }

    @Override
    public void deleteIfExists(Path file) {
        entries.remove(key(file));
    }

    @Override
    public void moveAtomically(Path source, Path target) throws IOException {
        Inode inode = inode(source);
        checkParent(target);
        entries.remove(key(source));
        entries.put(key(target), inode);
    }

    @Override
    public void createDirectory(Path directory) throws IOException {
        if (exists(directory)) {
            throw new FileAlreadyExistsException(directory.toString());
        }
        checkParent(directory);
        directories.add(key(directory));
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        Path key = key(directory);
        if (!directories.contains(key)) {
            throw new NoSuchFileException(directory.toString());
        }
        maybeFailSync(directory);
        durableEntries.keySet().removeIf(path -> key.equals(path.getParent()));
        entries.forEach(
                (path, inode) -> {
                    if (key.equals(path.getParent())) {
                        durableEntries.put(path, inode);
                    }
                });
        durableVersion++;
    }

    // ---------------------------------------------------------------- channel

    /** An open file. Closed by a crash of the disk. */
    private final class Channel extends FileChannel {
        private final Path path;
        private final Inode inode;
        private final boolean readable;
        private final boolean writable;
        private final long openedInGeneration = generation;
        private long position;

        Channel(Path path, Inode inode, boolean readable, boolean writable) {
            this.path = path;
            this.inode = inode;
            this.readable = readable;
            this.writable = writable;
        }

        private void checkOpen() throws ClosedChannelException {
            if (!isOpen() || openedInGeneration != generation) {
                throw new ClosedChannelException();
            }
        }

        private void checkWritable() throws ClosedChannelException {
            checkOpen();
            if (!writable) {
                throw new NonWritableChannelException();
            }
        }

        @Override
        public int read(ByteBuffer destination) throws IOException {
            int read = read(destination, position);
            if (read > 0) {
                position += read;
            }
            return read;
        }

        @Override
        public int read(ByteBuffer destination, long at) throws IOException {
            checkOpen();
            if (!readable) {
                throw new NonReadableChannelException();
            }
            byte[] data = inode.current;
            if (at >= data.length) {
                return -1;
            }
            int count = (int) Math.min(destination.remaining(), data.length - at);
            destination.put(data, (int) at, count);
            return count;
        }

        @Override
        public long read(ByteBuffer[] destinations, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int read = read(destinations[i]);
                if (read < 0) {
                    return total == 0 ? -1 : total;
                }
                total += read;
            }
            return total;
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            int written = write(source, position);
            position += written;
            return written;
        }

        @Override
        public int write(ByteBuffer source, long at) throws IOException {
            checkWritable();
            byte[] bytes = new byte[source.remaining()];
            source.get(bytes);
            inode.write(at, bytes);
            return bytes.length;
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) throws IOException {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(sources[i]);
            }
            return total;
        }

        @Override
        public long position() throws IOException {
            checkOpen();
            return position;
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            checkOpen();
            Check.argument(newPosition >= 0, "negative position %d", newPosition);
            position = newPosition;
            return this;
        }

        @Override
        public long size() throws IOException {
            checkOpen();
            return inode.current.length;
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            checkWritable();
            inode.truncate(size);
            position = Math.min(position, size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            checkOpen();
            maybeFailSync(path);
            inode.sync();
            durableVersion++;
        }

        @Override
        public long transferTo(long at, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException("not simulated");
        }

        @Override
        public long transferFrom(ReadableByteChannel source, long at, long count) {
            throw new UnsupportedOperationException("not simulated");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long at, long size) {
            throw new UnsupportedOperationException("not simulated");
        }

        @Override
        public FileLock lock(long at, long size, boolean shared) {
            throw new UnsupportedOperationException("not simulated");
        }

        @Override
        public FileLock tryLock(long at, long size, boolean shared) {
            throw new UnsupportedOperationException("not simulated");
        }

        @Override
        protected void implCloseChannel() {}
    }
}
