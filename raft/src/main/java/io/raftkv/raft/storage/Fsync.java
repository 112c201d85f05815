package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Durability helpers for files and directories. */
public final class Fsync {
    private Fsync() {}

    /** Makes the directory's entries (created, renamed, deleted files) durable. */
    public static void directory(Path directory) throws IOException {
        Disk.local().syncDirectory(directory);
    }

    /**
     * Creates {@code directory} and any missing parents, like {@link Files#createDirectories}, and
     * makes each creation durable by syncing the directory that holds it: without that, a crash can
     * lose a new directory together with everything already synced inside it.
     */
    public static Path createDirectories(Path directory) throws IOException {
        return createDirectories(Disk.local(), directory);
    }

    /** {@link #createDirectories(Path)} on {@code disk}. */
    static Path createDirectories(Disk disk, Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath();
        Path parent = absolute.getParent();
        if (disk.isDirectory(absolute)) {
            return directory;
        }
        if (parent != null) {
            createDirectories(disk, parent);
        }
        disk.createDirectory(absolute);
        if (parent != null) {
            disk.syncDirectory(parent);
        }
        return directory;
    }
}
