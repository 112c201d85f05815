package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.file.Path;

/** Reads a storage file whole, after checking that its size can be one array. */
final class WholeFile {
    /** The most bytes one array holds; segments and snapshot files stay far below it. */
    static final int BYTES_MAX = Integer.MAX_VALUE - 8;

    private WholeFile() {}

    /**
     * The file's bytes. A file too large for an array is damage, not something we wrote: it is
     * refused with {@link WalCorruptionException} rather than an {@link OutOfMemoryError}.
     */
    static byte[] read(Disk disk, Path file) throws IOException {
        long size = disk.size(file);
        if (size > BYTES_MAX) {
            throw new WalCorruptionException(
                    file, 0, "%d bytes, too large to read".formatted(size));
        }
        return disk.readAllBytes(file);
    }
}
