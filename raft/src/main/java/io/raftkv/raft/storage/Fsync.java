package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Durability helpers for files and directories. */
final class Fsync {
    private Fsync() {}

    /**
     * Makes the directory's entries (created, renamed, deleted files) durable. Linux lets a
     * directory be opened for reading and forced.
     */
    static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
