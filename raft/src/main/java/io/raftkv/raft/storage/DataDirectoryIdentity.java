package io.raftkv.raft.storage;

import io.raftkv.common.NodeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The identity a node's data directory carries (DESIGN.md rule 7): the cluster id and node id of
 * the node that first used it, in a file {@value #FILE} written (synced) at first start. A later
 * start under another cluster or node id is refused, so one node's log never serves as another's.
 *
 * <p>Format, one line: {@code raftkv-identity v1 cluster=<id> node=<n>}.
 */
public final class DataDirectoryIdentity {
    static final String FILE = "identity";
    private static final String HEADER = "raftkv-identity v1";
    private static final int FILE_BYTES_MAX = 4_096;

    private DataDirectoryIdentity() {}

    /**
     * Claims {@code dataDirectory} for {@code node} of {@code clusterId}: records it on first use,
     * and otherwise checks it.
     *
     * @throws IOException if the directory belongs to another cluster or node, its identity file is
     *     unreadable, or it cannot be written
     */
    public static void claim(Path dataDirectory, String clusterId, NodeId node) throws IOException {
        Fsync.createDirectories(dataDirectory);
        Path file = dataDirectory.resolve(FILE);
        String expected = "%s cluster=%s node=%d".formatted(HEADER, clusterId, node.value());
        if (!Files.exists(file)) {
            write(file, expected);
            return;
        }
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException(file + " is not a raftkv identity file (too large)");
        }
        String found = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!found.startsWith(HEADER + " ")) {
            throw new IOException(file + " is not a raftkv identity file: " + found);
        }
        if (!found.equals(expected)) {
            throw new IOException(
                    "%s belongs to %s, not to cluster=%s node=%d: give the node its own data"
                                    .formatted(
                                            dataDirectory,
                                            found.substring(HEADER.length() + 1),
                                            clusterId,
                                            node.value())
                            + " directory, or the cluster id and node id it was started with");
        }
    }

    private static void write(Path file, String line) throws IOException {
        Path temporary = file.resolveSibling(FILE + ".tmp");
        Files.writeString(temporary, line + "\n", StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        Fsync.directory(file.getParent());
    }
}
