package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.host.StateMachine;

/**
 * Wraps a replica's state machine to feed the {@link Ledger} and to check that one incarnation of a
 * replica applies indexes in increasing order.
 */
final class CheckedStateMachine implements StateMachine {
    private final NodeId node;
    private final GroupId group;
    private final Ledger ledger;
    private final StateMachine inner;
    private long lastAppliedIndex;

    CheckedStateMachine(NodeId node, GroupId group, Ledger ledger, StateMachine inner) {
        this.node = node;
        this.group = group;
        this.ledger = ledger;
        this.inner = inner;
    }

    StateMachine inner() {
        return inner;
    }

    @Override
    public Object apply(long index, byte[] command) {
        if (index <= lastAppliedIndex) {
            throw new InvariantViolation(
                    "%s %s applied index %d after %d"
                            .formatted(node, group, index, lastAppliedIndex));
        }
        lastAppliedIndex = index;
        ledger.recordApply(node, group, index, command);
        return inner.apply(index, command);
    }

    @Override
    public byte[] snapshot() {
        return inner.snapshot();
    }

    @Override
    public void restore(byte[] snapshot) {
        inner.restore(snapshot);
        lastAppliedIndex = 0; // the next apply follows the snapshot, which the core checks
    }
}
