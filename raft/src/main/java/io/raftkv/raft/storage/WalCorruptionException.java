package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The log holds a record that fails its checksum (or is malformed) somewhere other than a torn
 * tail. The node must not start: it would vote or lead with a log it cannot trust.
 */
public final class WalCorruptionException extends IOException {
    public WalCorruptionException(Path file, long offset, String problem) {
        super("corrupt write-ahead log %s at offset %d: %s".formatted(file, offset, problem));
    }
}
