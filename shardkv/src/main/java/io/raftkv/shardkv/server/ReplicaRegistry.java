package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.storage.Fsync;
import io.raftkv.shardctrler.config.Member;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The replica groups a node hosts, with their members, in {@code replicas.txt} in its data
 * directory: one line per group, {@code GID ID@HOST:PORT,ID@HOST:PORT,...}. A restarted node starts
 * these replicas at once, even those of groups no longer in the controller's config (they may still
 * hold shards to hand over). Written whole, to a temporary file that is synced and renamed.
 */
final class ReplicaRegistry {
    private static final String FILE = "replicas.txt";

    private final Path file;
    private final TreeMap<GroupId, List<Member>> groups = new TreeMap<>();

    private ReplicaRegistry(Path file) {
        this.file = file;
    }

    /** Reads the registry under {@code dataDirectory} (empty if there is none yet). */
    static ReplicaRegistry load(Path dataDirectory) throws IOException {
        ReplicaRegistry registry = new ReplicaRegistry(dataDirectory.resolve(FILE));
        if (Files.exists(registry.file)) {
            for (String line : Files.readAllLines(registry.file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    registry.parse(line.trim());
                }
            }
        }
        return registry;
    }

    private void parse(String line) {
        String[] parts = line.split(" ");
        if (parts.length != 2) {
            throw new IllegalArgumentException("%s: bad line %s".formatted(file, line));
        }
        List<Member> members = new ArrayList<>();
        for (String entry : parts[1].split(",")) {
            int at = entry.indexOf('@');
            members.add(
                    new Member(
                            NodeId.of(Integer.parseInt(entry.substring(0, at))),
                            entry.substring(at + 1)));
        }
        groups.put(GroupId.of(Integer.parseInt(parts[0])), List.copyOf(members));
    }

    SortedMap<GroupId, List<Member>> groups() {
        return groups;
    }

    /** Records that this node hosts {@code group}; durable when this returns. */
    void add(GroupId group, List<Member> members) {
        groups.put(group, List.copyOf(members));
        try {
            write();
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the replicas in " + file, e);
        }
    }

    private void write() throws IOException {
        StringBuilder text = new StringBuilder();
        groups.forEach(
                (group, members) -> {
                    text.append(group.value()).append(' ');
                    List<String> entries = new ArrayList<>();
                    members.forEach(m -> entries.add(m.node().value() + "@" + m.address()));
                    text.append(String.join(",", entries)).append('\n');
                });
        Path temporary = file.resolveSibling(FILE + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        Fsync.directory(file.getParent());
    }
}
