package io.raftkv.raft.core;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The replicas of one group: the voters, who elect leaders and make up quorums, and the learners,
 * who receive the log and snapshots but never vote or count toward a quorum. Both lists are sorted
 * by node id, so iteration order never depends on how the membership was built. A node is at most
 * one of the two.
 *
 * <p>Memberships change one replica at a time ({@link MembershipChange}): any two memberships one
 * change apart have overlapping majorities of voters, so a change may take effect as soon as it is
 * appended (Raft thesis section 4.1).
 */
public record Membership(List<NodeId> voters, List<NodeId> learners) {
    /** The most replicas a group has; bounds decoding. */
    public static final int MEMBERS_MAX = 64;

    private static final byte ENCODING_VERSION = 1;

    public Membership {
        Check.argument(voters != null && !voters.isEmpty(), "a group needs at least one voter");
        Check.argument(learners != null, "learners must not be null (use an empty list)");
        voters = sortedDistinct(voters, "voter");
        learners = sortedDistinct(learners, "learner");
        Check.argument(
                voters.size() + learners.size() <= MEMBERS_MAX,
                "a group has at most %d replicas",
                MEMBERS_MAX);
        for (NodeId learner : learners) {
            Check.argument(!voters.contains(learner), "%s is both a voter and a learner", learner);
        }
    }

    /** Voters only, no learners. */
    public Membership(List<NodeId> voters) {
        this(voters, List.of());
    }

    public static Membership of(NodeId... voters) {
        return new Membership(List.of(voters));
    }

    private static List<NodeId> sortedDistinct(List<NodeId> nodes, String kind) {
        TreeSet<NodeId> sorted = new TreeSet<>(nodes);
        Check.argument(sorted.size() == nodes.size(), "duplicate %s in %s", kind, nodes);
        return List.copyOf(sorted);
    }

    /** The number of votes or acknowledgements that make a majority of the voters. */
    public int quorum() {
        return voters.size() / 2 + 1;
    }

    /** Whether {@code node} is a voter or a learner. */
    public boolean contains(NodeId node) {
        return voters.contains(node) || learners.contains(node);
    }

    public boolean isVoter(NodeId node) {
        return voters.contains(node);
    }

    public boolean isLearner(NodeId node) {
        return learners.contains(node);
    }

    /** Voters then learners, each sorted. */
    public List<NodeId> members() {
        List<NodeId> members = new ArrayList<>(voters);
        members.addAll(learners);
        return members;
    }

    /** Whether {@code voter} is the only voter. */
    public boolean isSoleVoter(NodeId voter) {
        return voters.size() == 1 && voters.getFirst().equals(voter);
    }

    /** {@code [u8 version][i32 voters][i32 id...][i32 learners][i32 id...]}. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + 4 * (voters.size() + learners.size()));
        out.put(ENCODING_VERSION);
        writeIds(voters, out);
        writeIds(learners, out);
        return out.array();
    }

    private static void writeIds(List<NodeId> ids, ByteBuffer out) {
        out.putInt(ids.size());
        ids.forEach(id -> out.putInt(id.value()));
    }

    /**
     * Reads an {@link #encode} image. Throws {@link IllegalArgumentException} if it is malformed;
     * counts are checked against the bytes left before anything is allocated.
     */
    public static Membership decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte version = in.get();
            Check.argument(version == ENCODING_VERSION, "unknown membership version %d", version);
            List<NodeId> voters = readIds(in);
            List<NodeId> learners = readIds(in);
            Check.argument(!in.hasRemaining(), "%d trailing bytes in a membership", in.remaining());
            return new Membership(voters, learners);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("membership ends early", e);
        }
    }

    /** Reads {@code [i32 count][i32 id...]}, as {@link #encode} and the WAL write them. */
    public static List<NodeId> readIds(ByteBuffer in) {
        int count = in.getInt();
        Check.argument(
                count >= 0 && count <= MEMBERS_MAX && count <= in.remaining() / 4,
                "bad replica count %d",
                count);
        List<NodeId> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(NodeId.of(in.getInt()));
        }
        return ids;
    }

    @Override
    public String toString() {
        return learners.isEmpty()
                ? "voters " + voters
                : "voters %s, learners %s".formatted(voters, learners);
    }
}
