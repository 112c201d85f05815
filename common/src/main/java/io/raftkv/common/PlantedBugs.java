package io.raftkv.common;

import java.util.HashSet;
import java.util.Set;

/**
 * Deliberate bugs that tests plant to show that a swarm or a checker notices them (mutation runs).
 * Each module names its own bugs as constants of an enum; the code a bug lives in asks {@link
 * #planted} at the one place the bug would be, and does the wrong thing only while it is planted.
 *
 * <p>Contract: nothing in production code plants a bug. Only tests call {@link #plant}, and the
 * switch lives only in this process's memory: no flag, property or environment variable reaches it.
 * {@link #planted} sits on hot paths (every Ready, every read): one volatile read and a lookup in
 * an immutable set, empty in production.
 *
 * <p>Thread-safe: a test plants on its own thread; loops read from theirs.
 */
public final class PlantedBugs {
    /** The bugs planted now; replaced whole, never changed in place. */
    private static volatile Set<Enum<?>> planted = Set.of();

    private PlantedBugs() {}

    /** Whether {@code bug} is planted now. */
    public static boolean planted(Enum<?> bug) {
        return planted.contains(bug);
    }

    /**
     * Plants {@code bug} until the returned handle is closed. For tests only; use it in
     * try-with-resources so that no later test runs with the bug.
     */
    public static synchronized Planting plant(Enum<?> bug) {
        Check.that(!planted.contains(bug), "%s is already planted", bug);
        planted = with(bug, true);
        return new Planting(bug);
    }

    private static synchronized void uproot(Enum<?> bug) {
        planted = with(bug, false);
    }

    /** The planted set with {@code bug} added or removed. */
    private static Set<Enum<?>> with(Enum<?> bug, boolean present) {
        Set<Enum<?>> next = new HashSet<>(planted);
        if (present) {
            next.add(bug);
        } else {
            next.remove(bug);
        }
        return Set.copyOf(next);
    }

    /** A planted bug; closing it removes the bug. */
    public static final class Planting implements AutoCloseable {
        private final Enum<?> bug;

        private Planting(Enum<?> bug) {
            this.bug = bug;
        }

        @Override
        public void close() {
            uproot(bug);
        }
    }
}
