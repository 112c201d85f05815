package io.raftkv.shardctrler.server;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.config.Member;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the controller remembers about replicas besides the configs (DESIGN.md rule 7): each group's
 * founders, which data directory (incarnation) claimed each replica, and the (group, node) pairs
 * removed for good. Part of the controller's snapshot. Deterministic: sorted maps and sets only.
 * Owned by the controller state machine, on the group host's loop.
 */
final class ReplicaHistory {
    /** One group's member on one node. */
    record Replica(GroupId group, NodeId node) implements Comparable<Replica> {
        @Override
        public int compareTo(Replica other) {
            int byGroup = group.compareTo(other.group);
            return byGroup != 0 ? byGroup : node.compareTo(other.node);
        }
    }

    /** The fewest bytes a founders entry takes: group id, count and one node id. */
    private static final int FOUNDERS_BYTES_MIN = 4 + 4 + 4;

    private static final int CLAIM_BYTES = 4 + 4 + 8;
    private static final int REPLICA_BYTES = 4 + 4;

    /**
     * Each group that ever joined, with its members (node ids, ascending) in the config where it
     * first joined. Never changes once recorded: a group that leaves and returns keeps them.
     */
    private final TreeMap<GroupId, List<NodeId>> founders = new TreeMap<>();

    /** The incarnation of the data directory that claimed each replica; none is retired. */
    private final TreeMap<Replica, Long> claims = new TreeMap<>();

    /** Replicas removed from their group: the pair never serves again. */
    private final TreeSet<Replica> retired = new TreeSet<>();

    /** Records {@code group}'s founders the first time it joins; later joins change nothing. */
    void recordFounders(GroupId group, List<Member> members) {
        Check.that(!members.isEmpty(), "%s joins without members", group);
        founders.putIfAbsent(
                group, members.stream().map(Member::node).distinct().sorted().toList());
    }

    /** {@code group}'s founders, ascending, or empty if it never joined. */
    Optional<List<NodeId>> founders(GroupId group) {
        return Optional.ofNullable(founders.get(group));
    }

    /** The groups that ever joined. */
    SortedSet<GroupId> groupsEverJoined() {
        return founders.navigableKeySet();
    }

    /** The incarnation that claimed {@code node}'s replica of {@code group}, if one did. */
    OptionalLong claimant(GroupId group, NodeId node) {
        Long incarnation = claims.get(new Replica(group, node));
        return incarnation == null ? OptionalLong.empty() : OptionalLong.of(incarnation);
    }

    /** Records that {@code incarnation} hosts {@code node}'s replica of {@code group}. */
    void claim(GroupId group, NodeId node, long incarnation) {
        Replica replica = new Replica(group, node);
        Check.that(!retired.contains(replica), "claim of retired %s", replica);
        Long before = claims.putIfAbsent(replica, incarnation);
        Check.that(
                before == null || before == incarnation,
                "%s claimed by incarnation %d, not %d",
                replica,
                before,
                incarnation);
    }

    /**
     * Every node ever associated with {@code group}, ascending: its founders, the nodes that
     * claimed a replica of it, and its retired replicas.
     */
    SortedSet<NodeId> nodesOf(GroupId group) {
        TreeSet<NodeId> nodes = new TreeSet<>(founders.getOrDefault(group, List.of()));
        Replica first = new Replica(group, NodeId.of(1));
        Replica last = new Replica(group, NodeId.of(Integer.MAX_VALUE));
        claims.subMap(first, true, last, true)
                .keySet()
                .forEach(replica -> nodes.add(replica.node()));
        retired.subSet(first, true, last, true).forEach(replica -> nodes.add(replica.node()));
        return nodes;
    }

    boolean isRetired(GroupId group, NodeId node) {
        return retired.contains(new Replica(group, node));
    }

    /** Retires {@code node}'s replica of {@code group} for good and forgets its claim. */
    void retire(GroupId group, NodeId node) {
        Replica replica = new Replica(group, node);
        Check.that(retired.add(replica), "%s retired twice", replica);
        claims.remove(replica);
    }

    // ---------------------------------------------------------------- snapshot

    /**
     * {@code [i32 count]([i32 group][node ids])... [i32 count]([i32 group][i32 node][i64
     * incarnation])... [i32 count]([i32 group][i32 node])...}: founders, claims, retired, each
     * ascending.
     */
    void write(DataOutputStream out) throws IOException {
        out.writeInt(founders.size());
        for (var entry : founders.entrySet()) {
            out.writeInt(entry.getKey().value());
            ControllerCodec.writeNodeIds(out, entry.getValue());
        }
        out.writeInt(claims.size());
        for (var entry : claims.entrySet()) {
            writeReplica(out, entry.getKey());
            out.writeLong(entry.getValue());
        }
        out.writeInt(retired.size());
        for (Replica replica : retired) {
            writeReplica(out, replica);
        }
    }

    /**
     * Reads a {@link #write} image. Throws {@link IllegalArgumentException} if it is malformed:
     * counts past the bytes left, entries out of order or repeated, a founders list that is empty
     * or unsorted, or a claim of a retired replica. NB: the counts have no cap of their own; like
     * the configs, the history grows with the log, and the bytes left bound what is allocated.
     */
    static ReplicaHistory read(DataInputStream in) throws IOException {
        ReplicaHistory history = new ReplicaHistory();
        int founderCount = Binary.readCount(in, FOUNDERS_BYTES_MIN, Integer.MAX_VALUE);
        for (int i = 0; i < founderCount; i++) {
            GroupId group = GroupId.of(in.readInt());
            List<NodeId> nodes = ControllerCodec.readNodeIds(in);
            Check.argument(!nodes.isEmpty(), "%s has no founders", group);
            Check.argument(ascending(nodes), "founders of %s out of order", group);
            Check.argument(
                    history.founders.isEmpty() || history.founders.lastKey().compareTo(group) < 0,
                    "founders of %s out of order",
                    group);
            history.founders.put(group, nodes);
        }
        int claimCount = Binary.readCount(in, CLAIM_BYTES, Integer.MAX_VALUE);
        for (int i = 0; i < claimCount; i++) {
            Replica replica = readReplica(in);
            Check.argument(
                    history.claims.isEmpty() || history.claims.lastKey().compareTo(replica) < 0,
                    "claim of %s out of order",
                    replica);
            history.claims.put(replica, in.readLong());
        }
        int retiredCount = Binary.readCount(in, REPLICA_BYTES, Integer.MAX_VALUE);
        for (int i = 0; i < retiredCount; i++) {
            Replica replica = readReplica(in);
            Check.argument(
                    history.retired.isEmpty() || history.retired.last().compareTo(replica) < 0,
                    "retired %s out of order",
                    replica);
            Check.argument(!history.claims.containsKey(replica), "retired %s is claimed", replica);
            history.retired.add(replica);
        }
        return history;
    }

    private static boolean ascending(List<NodeId> nodes) {
        for (int i = 1; i < nodes.size(); i++) {
            if (nodes.get(i - 1).compareTo(nodes.get(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static void writeReplica(DataOutputStream out, Replica replica) throws IOException {
        out.writeInt(replica.group().value());
        out.writeInt(replica.node().value());
    }

    private static Replica readReplica(DataInputStream in) throws IOException {
        return new Replica(GroupId.of(in.readInt()), NodeId.of(in.readInt()));
    }
}
