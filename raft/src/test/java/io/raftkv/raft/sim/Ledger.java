package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything any replica applied, checked as it happens: the first replica to apply an index fixes
 * what that index holds, and every other replica must apply the same command there and reach the
 * same state hash (committed entries never change; applied prefixes agree).
 */
public final class Ledger {
    private final TreeMap<GroupId, TreeMap<Long, byte[]>> commands = new TreeMap<>();
    private final TreeMap<GroupId, TreeMap<Long, Long>> stateHashes = new TreeMap<>();

    void recordApply(NodeId node, GroupId group, long index, byte[] command) {
        byte[] first =
                commands.computeIfAbsent(group, g -> new TreeMap<>()).putIfAbsent(index, command);
        if (first != null && !Arrays.equals(first, command)) {
            throw new InvariantViolation(
                    "%s %s applied a different command at index %d than another replica"
                            .formatted(node, group, index));
        }
    }

    /** Records the state hash a replica reached after applying {@code index}. */
    public void recordState(NodeId node, GroupId group, long index, long stateHash) {
        Long first =
                stateHashes
                        .computeIfAbsent(group, g -> new TreeMap<>())
                        .putIfAbsent(index, stateHash);
        if (first != null && first != stateHash) {
            throw new InvariantViolation(
                    "%s %s reached a different state at applied index %d than another replica"
                            .formatted(node, group, index));
        }
    }

    /** The command applied at {@code index}, if any replica applied one there. */
    public Optional<byte[]> commandAt(GroupId group, long index) {
        return Optional.ofNullable(commands.getOrDefault(group, new TreeMap<>()).get(index));
    }

    /** Every command applied to {@code group}, by index. */
    public Map<Long, byte[]> commands(GroupId group) {
        return commands.getOrDefault(group, new TreeMap<>());
    }
}
