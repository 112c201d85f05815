package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.host.StateMachine;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The Raft tests' state machine: its state is a hash over every command applied, so replicas with
 * equal applied indexes must hold equal hashes. Its snapshot can be padded to a chosen size to
 * exercise chunked snapshot transfer. Each apply returns the number of commands applied so far.
 */
public final class HashChainStateMachine implements StateMachine {
    private final NodeId node;
    private final GroupId group;
    private final Ledger ledger;
    private final int snapshotPaddingBytes;
    private long lastIndex;
    private long stateHash;
    private long count;

    public HashChainStateMachine(
            NodeId node, GroupId group, Ledger ledger, int snapshotPaddingBytes) {
        this.node = node;
        this.group = group;
        this.ledger = ledger;
        this.snapshotPaddingBytes = snapshotPaddingBytes;
    }

    @Override
    public Object apply(long index, byte[] command) {
        stateHash = 31 * (31 * stateHash + index) + Arrays.hashCode(command);
        stateHash ^= stateHash >>> 31;
        lastIndex = index;
        count++;
        ledger.recordState(node, group, index, stateHash);
        return count;
    }

    @Override
    public byte[] snapshot() {
        ByteBuffer buffer = ByteBuffer.allocate(24 + snapshotPaddingBytes);
        buffer.putLong(lastIndex).putLong(stateHash).putLong(count);
        return buffer.array();
    }

    @Override
    public void restore(byte[] snapshot) {
        ByteBuffer buffer = ByteBuffer.wrap(snapshot);
        lastIndex = buffer.getLong();
        stateHash = buffer.getLong();
        count = buffer.getLong();
        if (lastIndex > 0) {
            ledger.recordState(node, group, lastIndex, stateHash);
        }
    }

    /** The log index of the last command applied (0 before any). */
    public long lastIndex() {
        return lastIndex;
    }

    public long count() {
        return count;
    }

    /** The hash over every command applied so far, with its index. */
    public long stateHash() {
        return stateHash;
    }
}
