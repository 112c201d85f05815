package io.raftkv.common;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deliberate bugs that tests plant to show that a swarm or a checker notices them (mutation runs).
 * Each module names its own bugs as constants of an enum; the code a bug lives in asks {@link
 * #planted} at the one place the bug would be, and does the wrong thing only while it is planted.
 *
 * <p>Contract: nothing in production code plants a bug. Only tests call {@link #plant}, and the
 * switch lives only in this process's memory: no flag, property or environment variable reaches it.
 * With nothing planted, {@link #planted} is one read of an empty set.
 *
 * <p>Thread-safe: a test plants on its own thread; loops read from theirs.
 */
public final class PlantedBugs {
    private static final Set<Enum<?>> PLANTED = ConcurrentHashMap.newKeySet();

    private PlantedBugs() {}

    /** Whether {@code bug} is planted now. */
    public static boolean planted(Enum<?> bug) {
        return !PLANTED.isEmpty() && PLANTED.contains(bug);
    }

    /**
     * Plants {@code bug} until the returned handle is closed. For tests only; use it in
     * try-with-resources so that no later test runs with the bug.
     */
    public static Planting plant(Enum<?> bug) {
        Check.that(PLANTED.add(bug), "%s is already planted", bug);
        return new Planting(bug);
    }

    /** A planted bug; closing it removes the bug. */
    public static final class Planting implements AutoCloseable {
        private final Enum<?> bug;

        private Planting(Enum<?> bug) {
            this.bug = bug;
        }

        @Override
        public void close() {
            PLANTED.remove(bug);
        }
    }
}
