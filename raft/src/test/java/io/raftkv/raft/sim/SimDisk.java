package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.host.RaftStorage;
import java.io.IOException;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Consumer;

/**
 * A simulated node's disk as the simulator sees it: the storage each run of the node's host gets,
 * what a crash leaves, and what is durable, against which {@link Simulation} checks every promise
 * the node sends. Outlives crashes of the node's host.
 *
 * <p>Two kinds: {@link SimStorage}, a model of storage; {@link WalDisk}, the production write-ahead
 * log over a fault-injecting file system (issue 15).
 */
public sealed interface SimDisk permits SimStorage, WalDisk {
    /** What is durable of one group: what every crash leaves at least. */
    record Durable(HardState hardState, long lastIndex) {}

    /**
     * The storage for a new run of the node's host, recovered from this disk. {@code onFatal} hears
     * of a failure of the storage's writer.
     *
     * @throws IOException if recovery fails: the disk holds what the storage cannot read back
     */
    RaftStorage open(Consumer<Throwable> onFatal) throws IOException;

    /** How long a sync takes, in virtual time. */
    void syncDelayMillis(long millis);

    /** The node crashed: what was not durable is lost, the oldest lost write torn at random. */
    void crash(double tearRate);

    /** What is durable of {@code group}, if anything is. */
    Optional<Durable> durable(GroupId group);

    /** The groups with durable state. */
    SortedSet<GroupId> storedGroups();

    /** Deletes {@code group}'s stored state while the node is down, as an operator would. */
    void removeWhileDown(GroupId group);
}
