package io.raftkv.raft.storage;

/**
 * Deliberate write-ahead log bugs that only tests plant, through {@link
 * io.raftkv.common.PlantedBugs}, to show that the swarm on the real log ({@code RealWalSwarmTest})
 * notices each one (mutation runs, issue 15). Each is one wrong behaviour at one place; {@code
 * RealWalMutationTest} covers every constant.
 */
public enum WalBug {
    /** A round that must be synced is reported durable without the sync. */
    SKIP_SYNC,

    /**
     * A segment is rolled before the old one's last round is synced: the order this log had until
     * the real-WAL swarm's seed 2000001 found that a crash between the two leaves a torn tail in a
     * segment that is no longer the last, which recovery refuses.
     */
    ROLL_BEFORE_SYNC
}
