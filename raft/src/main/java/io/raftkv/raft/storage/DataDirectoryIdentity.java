package io.raftkv.raft.storage;

import io.raftkv.common.NodeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * The identity a node's data directory carries (DESIGN.md rule 7): the cluster id and node id of
 * the node that first used it, and an incarnation, a random number drawn then, in a file {@value
 * #FILE} written (synced) at first start. A later start under another cluster or node id is
 * refused, so one node's log never serves as another's. The incarnation tells this directory from
 * any other the same node id ever had: a node whose disk was replaced starts with a new one, and
 * the controller then knows it for a new node that lost its replicas.
 *
 * <p>Format, one line: {@code raftkv-identity v2 cluster=<id> node=<n> incarnation=<16 hex>}. A
 * version 1 line (no incarnation) is upgraded in place at the next start.
 */
public final class DataDirectoryIdentity {
    static final String FILE = "identity";
    private static final String HEADER = "raftkv-identity v2";
    private static final String HEADER_V1 = "raftkv-identity v1";
    private static final String INCARNATION = " incarnation=";
    private static final int FILE_BYTES_MAX = 4_096;

    private DataDirectoryIdentity() {}

    /**
     * Claims {@code dataDirectory} for {@code node} of {@code clusterId}: records it with a new
     * incarnation on first use, and otherwise checks it.
     *
     * @return the directory's incarnation: never 0, and the same at every start
     * @throws IOException if the directory belongs to another cluster or node, its identity file is
     *     unreadable, or it cannot be written
     */
    public static long claim(Path dataDirectory, String clusterId, NodeId node) throws IOException {
        Fsync.createDirectories(dataDirectory);
        Path file = dataDirectory.resolve(FILE);
        String owner = "cluster=%s node=%d".formatted(clusterId, node.value());
        if (!Files.exists(file)) {
            return write(file, owner, newIncarnation());
        }
        if (Files.size(file) > FILE_BYTES_MAX) {
            throw new IOException(file + " is not a raftkv identity file (too large)");
        }
        String found = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (found.startsWith(HEADER_V1 + " ")) {
            checkOwner(dataDirectory, found.substring(HEADER_V1.length() + 1), owner);
            return write(file, owner, newIncarnation());
        }
        int incarnationAt = found.lastIndexOf(INCARNATION);
        if (!found.startsWith(HEADER + " ") || incarnationAt < 0) {
            throw new IOException(file + " is not a raftkv identity file: " + found);
        }
        checkOwner(dataDirectory, found.substring(HEADER.length() + 1, incarnationAt), owner);
        try {
            long incarnation =
                    Long.parseUnsignedLong(
                            found.substring(incarnationAt + INCARNATION.length()), 16);
            if (incarnation != 0) {
                return incarnation;
            }
        } catch (NumberFormatException malformed) {
            // reported below
        }
        throw new IOException(file + " has no valid incarnation: " + found);
    }

    private static void checkOwner(Path dataDirectory, String found, String expected)
            throws IOException {
        if (!found.equals(expected)) {
            throw new IOException(
                    "%s belongs to %s, not to %s: give the node its own data directory, or the"
                                    .formatted(dataDirectory, found, expected)
                            + " cluster id and node id it was started with");
        }
    }

    private static long newIncarnation() {
        long incarnation = 0;
        while (incarnation == 0) {
            incarnation = new SecureRandom().nextLong();
        }
        return incarnation;
    }

    private static long write(Path file, String owner, long incarnation) throws IOException {
        String line = "%s %s%s%016x".formatted(HEADER, owner, INCARNATION, incarnation);
        Path temporary = file.resolveSibling(FILE + ".tmp");
        Files.writeString(temporary, line + "\n", StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        Fsync.directory(file.getParent());
        return incarnation;
    }
}
