package io.raftkv.shardctrler.server;

/**
 * Deliberate controller bugs that only tests plant, through {@link io.raftkv.common.PlantedBugs},
 * to show that the controller swarm notices each one (mutation runs, issue 15). Each is one wrong
 * behaviour at one place; {@code ControllerMutationTest} covers every constant.
 */
public enum ControllerBug {
    /** The state machine applies a retried command again instead of answering from its session. */
    SKIP_SESSION_DEDUPE,

    /**
     * A replica's claim is granted to any data directory, so a node back with a blank disk hosts
     * its old replicas again, as a voter with no log and no vote: the dead-disk hole of issue 11.
     * Only the sharded swarm loses disks, so {@code ShardKvMutationTest} covers this one.
     */
    CLAIM_BY_ANY_DISK
}
