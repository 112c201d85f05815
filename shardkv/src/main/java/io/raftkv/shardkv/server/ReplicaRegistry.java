package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
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
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replica groups a node hosts, in {@code replicas.txt} in its data directory: one line per
 * group, {@code GID ID@HOST:PORT,... voters=ID,... learners=ID,...}, the members' addresses and the
 * membership the replica was first started with (its founders as voters, or for a replica added
 * later the other replicas as voters and this node as a learner; the group's log overrides it as
 * soon as it holds one). A restarted node starts these replicas at once, even those of groups no
 * longer in the controller's config (they may still hold shards to hand over). A line of the older
 * form {@code GID ID@HOST:PORT,...} lists voters only. A line {@code deleted GID} marks a replica
 * this node deleted: the write-ahead log makes the deletion durable only later, so a restart after
 * a crash deletes again whatever the log still holds of it. Written whole, to a temporary file that
 * is synced and renamed.
 */
final class ReplicaRegistry {
    /** One hosted replica: where its peers are, and the membership it was started with. */
    record Hosted(List<Member> members, Membership bootstrap) {
        Hosted {
            members = List.copyOf(members);
        }
    }

    private static final String FILE = "replicas.txt";
    private static final String VOTERS = "voters=";
    private static final String LEARNERS = "learners=";
    private static final String DELETED = "deleted";

    private final Path file;
    private final TreeMap<GroupId, Hosted> groups = new TreeMap<>();
    private final TreeSet<GroupId> deleted = new TreeSet<>();

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
        if (parts.length == 2 && parts[0].equals(DELETED)) {
            deleted.add(GroupId.of(Integer.parseInt(parts[1])));
            return;
        }
        if (parts.length != 2 && parts.length != 4) {
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
        Membership bootstrap =
                parts.length == 2
                        ? new Membership(members.stream().map(Member::node).toList())
                        : new Membership(ids(parts[2], VOTERS), ids(parts[3], LEARNERS));
        groups.put(GroupId.of(Integer.parseInt(parts[0])), new Hosted(members, bootstrap));
    }

    private List<NodeId> ids(String field, String name) {
        if (!field.startsWith(name)) {
            throw new IllegalArgumentException(
                    "%s: expected %s in %s".formatted(file, name, field));
        }
        String list = field.substring(name.length());
        List<NodeId> ids = new ArrayList<>();
        if (!list.isEmpty()) {
            for (String id : list.split(",")) {
                ids.add(NodeId.of(Integer.parseInt(id)));
            }
        }
        return ids;
    }

    SortedMap<GroupId, Hosted> groups() {
        return groups;
    }

    /** The replicas this node deleted (and has not hosted again since). */
    SortedSet<GroupId> deleted() {
        return Collections.unmodifiableSortedSet(deleted);
    }

    /** Records that this node hosts {@code group}; durable when this returns. */
    void add(GroupId group, Hosted hosted) {
        groups.put(group, hosted);
        deleted.remove(group);
        writeOrFail();
    }

    /**
     * Records that this node no longer hosts {@code group} and deletes its replica; durable when
     * this returns.
     */
    void remove(GroupId group) {
        if (groups.remove(group) != null) {
            deleted.add(group);
            writeOrFail();
        }
    }

    private void writeOrFail() {
        try {
            write();
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the replicas in " + file, e);
        }
    }

    private void write() throws IOException {
        StringBuilder text = new StringBuilder();
        groups.forEach(
                (group, hosted) -> {
                    List<String> entries = new ArrayList<>();
                    hosted.members()
                            .forEach(m -> entries.add(m.node().value() + "@" + m.address()));
                    text.append(group.value())
                            .append(' ')
                            .append(String.join(",", entries))
                            .append(' ')
                            .append(VOTERS)
                            .append(joinIds(hosted.bootstrap().voters()))
                            .append(' ')
                            .append(LEARNERS)
                            .append(joinIds(hosted.bootstrap().learners()))
                            .append('\n');
                });
        deleted.forEach(group -> text.append(DELETED + ' ').append(group.value()).append('\n'));
        Path temporary = file.resolveSibling(FILE + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        Fsync.directory(file.getParent());
    }

    private static String joinIds(List<NodeId> ids) {
        return String.join(",", ids.stream().map(id -> String.valueOf(id.value())).toList());
    }
}
