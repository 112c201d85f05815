package io.raftkv.raft.node;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One node's account of its replica of a group, the answer to {@link ClientRequest.Status}: what
 * {@code raftkv admin status} shows as a group's voters, learners and how far each lags.
 *
 * @param node the node that answered
 * @param role its replica's role
 * @param leader the leader it knows of
 * @param membership the membership in force on its replica
 * @param matchIndexes if it leads: the log index each member is known to hold, else empty
 */
public record ReplicaReport(
        NodeId node,
        Role role,
        long term,
        Optional<NodeId> leader,
        long commitIndex,
        long appliedIndex,
        Membership membership,
        SortedMap<NodeId, Long> matchIndexes) {
    private static final byte VERSION = 1;

    public ReplicaReport {
        matchIndexes = new TreeMap<>(matchIndexes);
    }

    /** The report of a replica with {@code status}, and on a leader its followers' progress. */
    public static ReplicaReport of(RaftStatus status, Map<NodeId, Long> matchIndexes) {
        return new ReplicaReport(
                status.id(),
                status.role(),
                status.term(),
                status.leader(),
                status.commitIndex(),
                status.appliedIndex(),
                status.membership(),
                new TreeMap<>(matchIndexes));
    }

    /** How many entries {@code member} is behind the commit index, if this report knows. */
    public Optional<Long> lag(NodeId member) {
        Long match = matchIndexes.get(member);
        return match == null ? Optional.empty() : Optional.of(Math.max(0, commitIndex - match));
    }

    /**
     * {@code [u8 version][i32 node][u8 role][i64 term][i32 leader or 0][i64 commit][i64 applied]
     * [membership bytes as a length-prefixed block][i32 count][(i32 node, i64 match)...]}.
     */
    public byte[] encode() {
        byte[] members = membership.encode();
        ByteBuffer out =
                ByteBuffer.allocate(
                        1
                                + 4
                                + 1
                                + 8
                                + 4
                                + 8
                                + 8
                                + 4
                                + members.length
                                + 4
                                + 12 * matchIndexes.size());
        out.put(VERSION).putInt(node.value()).put((byte) role.ordinal()).putLong(term);
        out.putInt(leader.map(NodeId::value).orElse(0));
        out.putLong(commitIndex).putLong(appliedIndex);
        out.putInt(members.length).put(members);
        out.putInt(matchIndexes.size());
        matchIndexes.forEach((member, match) -> out.putInt(member.value()).putLong(match));
        return out.array();
    }

    /**
     * Reads an {@link #encode} image. Throws {@link IllegalArgumentException} if it is malformed;
     * every count is checked against the bytes left before anything is allocated.
     */
    public static ReplicaReport decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte version = in.get();
            Check.argument(version == VERSION, "unknown replica report version %d", version);
            NodeId node = NodeId.of(in.getInt());
            int role = in.get();
            Check.argument(role >= 0 && role < Role.values().length, "bad role %d", role);
            long term = in.getLong();
            int leader = in.getInt();
            long commit = in.getLong();
            long applied = in.getLong();
            int membershipBytes = in.getInt();
            Check.argument(
                    membershipBytes >= 0 && membershipBytes <= in.remaining(),
                    "bad membership length %d",
                    membershipBytes);
            byte[] members = new byte[membershipBytes];
            in.get(members);
            int count = in.getInt();
            Check.argument(
                    count >= 0 && count <= Membership.MEMBERS_MAX && count <= in.remaining() / 12,
                    "bad match count %d",
                    count);
            TreeMap<NodeId, Long> matches = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                matches.put(NodeId.of(in.getInt()), in.getLong());
            }
            Check.argument(!in.hasRemaining(), "%d trailing bytes in a report", in.remaining());
            return new ReplicaReport(
                    node,
                    Role.values()[role],
                    term,
                    leader == 0 ? Optional.empty() : Optional.of(NodeId.of(leader)),
                    commit,
                    applied,
                    Membership.decode(members),
                    matches);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("replica report ends early", e);
        }
    }

    /** The members as {@code n1, n2 (leader), n4 (learner, 12 behind)}. */
    public String describeMembers() {
        return String.join(", ", membership.members().stream().map(this::describe).toList());
    }

    /** One member, with what this report knows of it in parentheses. */
    private String describe(NodeId member) {
        List<String> notes = new ArrayList<>();
        if (leader.equals(Optional.of(member))) {
            notes.add("leader");
        }
        if (membership.isLearner(member)) {
            notes.add("learner");
        }
        lag(member).filter(behind -> behind > 0).ifPresent(behind -> notes.add(behind + " behind"));
        return notes.isEmpty()
                ? member.toString()
                : "%s (%s)".formatted(member, String.join(", ", notes));
    }
}
