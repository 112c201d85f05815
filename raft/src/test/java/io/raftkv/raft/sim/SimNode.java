package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.StateMachine;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One simulated node: its disk (which survives crashes) and, while it is up, the production {@link
 * GroupHost} with the state machines of the groups it hosts.
 */
public final class SimNode {
    private final NodeId id;
    private SimDisk disk;
    private final TreeMap<GroupId, CheckedStateMachine> stateMachines = new TreeMap<>();
    private GroupHost host;
    private long incarnation;

    SimNode(NodeId id, SimDisk disk) {
        this.id = id;
        this.disk = disk;
    }

    public NodeId id() {
        return id;
    }

    /** The node's disk, of whichever kind. */
    public SimDisk disk() {
        return disk;
    }

    /** The node's disk, which must be the storage model (the tests that size its state). */
    public SimStorage storage() {
        if (disk instanceof SimStorage storage) {
            return storage;
        }
        throw new IllegalStateException(id + " runs the real WAL, not the storage model");
    }

    public boolean isUp() {
        return host != null;
    }

    /** The running host; fails if the node is down. */
    public GroupHost host() {
        if (host == null) {
            throw new IllegalStateException(id + " is down");
        }
        return host;
    }

    public Optional<GroupHost> hostIfUp() {
        return Optional.ofNullable(host);
    }

    /** The state machine of {@code group}: the live one, or the last one before a crash. */
    public Optional<StateMachine> stateMachine(GroupId group) {
        return Optional.ofNullable(stateMachines.get(group)).map(CheckedStateMachine::inner);
    }

    long incarnation() {
        return incarnation;
    }

    void started(GroupHost newHost) {
        host = newHost;
        incarnation++;
        stateMachines.clear();
    }

    void crashed() {
        host = null;
        incarnation++;
    }

    void replaceDisk(SimDisk blank) {
        disk = blank;
    }

    void attach(GroupId group, CheckedStateMachine stateMachine) {
        stateMachines.put(group, stateMachine);
    }
}
