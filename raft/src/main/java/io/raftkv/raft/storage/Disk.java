package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The file operations the storage package uses, and nothing more: the seam through which a test
 * runs the write-ahead log over a simulated disk that loses unsynced writes and fails syncs (issue
 * 15). Production uses {@link #local()}, plain {@code java.nio} on the default file system.
 *
 * <p>Contract, as on Linux: a file's written bytes are durable once its channel is forced; a
 * directory's entries (files created, renamed, deleted in it) once {@link #syncDirectory} returns.
 */
public interface Disk {
    /** The default file system, through {@code java.nio}. */
    static Disk local() {
        return LocalDisk.INSTANCE;
    }

    /** Opens {@code file} as {@link FileChannel#open(Path, OpenOption...)} does. */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** The entries of {@code directory}, in no particular order. */
    List<Path> list(Path directory) throws IOException;

    boolean exists(Path file);

    boolean isDirectory(Path path);

    long size(Path file) throws IOException;

    byte[] readAllBytes(Path file) throws IOException;

    void deleteIfExists(Path file) throws IOException;

    /** Renames {@code source} to {@code target} atomically, replacing {@code target}. */
    void moveAtomically(Path source, Path target) throws IOException;

    /** Creates one directory, whose parent exists; not durable until the parent is synced. */
    void createDirectory(Path directory) throws IOException;

    /** Makes the directory's entries (files created, renamed, deleted in it) durable. */
    void syncDirectory(Path directory) throws IOException;

    /** {@link Disk} on {@code java.nio} and the default file system. */
    final class LocalDisk implements Disk {
        private static final LocalDisk INSTANCE = new LocalDisk();

        private LocalDisk() {}

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return FileChannel.open(file, options);
        }

        @Override
        public List<Path> list(Path directory) throws IOException {
            try (Stream<Path> files = Files.list(directory)) {
                return files.toList();
            }
        }

        @Override
        public boolean exists(Path file) {
            return Files.exists(file);
        }

        @Override
        public boolean isDirectory(Path path) {
            return Files.isDirectory(path);
        }

        @Override
        public long size(Path file) throws IOException {
            return Files.size(file);
        }

        @Override
        public byte[] readAllBytes(Path file) throws IOException {
            return Files.readAllBytes(file);
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
            Files.deleteIfExists(file);
        }

        @Override
        public void moveAtomically(Path source, Path target) throws IOException {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void createDirectory(Path directory) throws IOException {
            Files.createDirectory(directory);
        }

        /** Linux lets a directory be opened for reading and forced. */
        @Override
        public void syncDirectory(Path directory) throws IOException {
            try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }
}
