package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Durability helpers for files and directories. */
public final class Fsync {
    private Fsync() {}

    /**
     * Makes the directory's entries (created, renamed, deleted files) durable. Linux lets a
     * directory be opened for reading and forced.
     */
    public static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * Creates {@code directory} and any missing parents, like {@link Files#createDirectories}, and
     * makes each creation durable by syncing the directory that holds it: without that, a crash can
     * lose a new directory together with everything already synced inside it.
     */
    public static Path createDirectories(Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath();
        Path parent = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            return directory;
        }
        if (parent != null) {
            createDirectories(parent);
        }
        Files.createDirectory(absolute);
        if (parent != null) {
            directory(parent);
        }
        return directory;
    }
}
