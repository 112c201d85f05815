package io.raftkv.raft.storage;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Snapshot data files, one per group and snapshot: {@code g<group>-<index>-<term>.snap}. Written to
 * a temporary name, synced, renamed, and the directory synced, so a file with the final name is
 * always whole. Format: {@code [u8 version][i64 index][i64 term][i32 length][data][i32 crc32c of
 * all before]}. Used by the WAL's writer thread only.
 */
final class SnapshotFiles {
    private static final byte VERSION = 1;

    /** Version, index, term and data length. */
    private static final int HEADER_BYTES = 1 + 8 + 8 + 4;

    private final Disk disk;
    private final Path directory;

    SnapshotFiles(Disk disk, Path directory) throws IOException {
        this.disk = disk;
        this.directory = Fsync.createDirectories(disk, directory);
    }

    private Path fileFor(GroupId group, SnapshotMeta meta) {
        return directory.resolve(
                "g%d-%d-%d.snap".formatted(group.value(), meta.index(), meta.term()));
    }

    /** Writes the snapshot durably; a crash leaves either no file or the whole file. */
    void write(GroupId group, Snapshot snapshot) throws IOException {
        Path target = fileFor(group, snapshot.meta());
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(VERSION).putLong(snapshot.index()).putLong(snapshot.term());
        header.putInt(snapshot.data().length).flip();
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate());
        crc.update(snapshot.data());
        ByteBuffer trailer = ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip();
        try (FileChannel channel =
                disk.open(
                        temporary,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            writeFully(channel, header, ByteBuffer.wrap(snapshot.data()), trailer);
            channel.force(true);
        }
        disk.moveAtomically(temporary, target);
        disk.syncDirectory(directory);
    }

    private static void writeFully(FileChannel channel, ByteBuffer... buffers) throws IOException {
        for (ByteBuffer buffer : buffers) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }

    /** Reads and verifies the snapshot {@code meta} names. */
    Snapshot read(GroupId group, SnapshotMeta meta) throws IOException {
        Path file = fileFor(group, meta);
        if (!disk.exists(file)) {
            throw new WalCorruptionException(file, 0, "the snapshot file the log names is missing");
        }
        return decode(file, WholeFile.read(disk, file), meta);
    }

    /**
     * The snapshot in {@code bytes}, the contents of {@code file}, which {@code meta} names. Throws
     * {@link WalCorruptionException} unless the header matches {@code meta}, the length is exactly
     * what is left, and the checksum holds.
     */
    static Snapshot decode(Path file, byte[] bytes, SnapshotMeta meta)
            throws WalCorruptionException {
        ByteBuffer all = ByteBuffer.wrap(bytes);
        if (all.remaining() < HEADER_BYTES + 4) {
            throw new WalCorruptionException(file, 0, "snapshot file too short");
        }
        byte version = all.get();
        long index = all.getLong();
        long term = all.getLong();
        int length = all.getInt();
        if (version != VERSION
                || index != meta.index()
                || term != meta.term()
                || length != all.remaining() - 4) {
            throw new WalCorruptionException(file, 0, "snapshot header does not match its name");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, HEADER_BYTES + length);
        if ((int) crc.getValue() != all.getInt(HEADER_BYTES + length)) {
            throw new WalCorruptionException(
                    file, HEADER_BYTES + length, "snapshot checksum mismatch");
        }
        return new Snapshot(meta, Arrays.copyOfRange(bytes, HEADER_BYTES, HEADER_BYTES + length));
    }

    /** Deletes the group's snapshot files other than {@code keep}. */
    void deleteAllBut(GroupId group, SnapshotMeta keep) throws IOException {
        Path kept = fileFor(group, keep);
        for (Path file : filesOf(group)) {
            if (!file.equals(kept)) {
                disk.deleteIfExists(file);
            }
        }
    }

    void deleteAll(GroupId group) throws IOException {
        for (Path file : filesOf(group)) {
            disk.deleteIfExists(file);
        }
    }

    private List<Path> filesOf(GroupId group) throws IOException {
        String prefix = "g" + group.value() + "-";
        return disk.list(directory).stream()
                .filter(file -> file.getFileName().toString().startsWith(prefix))
                .sorted()
                .toList();
    }
}
