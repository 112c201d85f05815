package io.raftkv.common;

/**
 * What a node does when its own code breaks: an exception or {@code Error} escaped a host round, an
 * apply, a snapshot, a frame handler or the write-ahead log writer (DESIGN.md rule 6). Raft
 * tolerates stopped nodes, not lying ones, so a node never goes on after a broken invariant: it
 * stops, and a restart recovers from its log.
 *
 * <p>Contract: {@link #stop} does not return normally. A node process halts ({@link #haltProcess});
 * a test throws, so that the run fails where the fault happened.
 */
@FunctionalInterface
public interface FailStop {
    /** The exit code of a node halted by a fault of its own (BSD's EX_SOFTWARE). */
    int EXIT_CODE = 70;

    /**
     * Stops because of {@code cause}.
     *
     * @param where what was running, for the one line an operator reads: node, group and log index
     *     where known (e.g. {@code "n2 group g100 applying index 57"})
     */
    void stop(String where, Throwable cause);

    /**
     * Prints one line naming {@code where} and the cause to stderr, then the stack trace, and halts
     * the JVM with {@value #EXIT_CODE} at once: no shutdown hooks, so nothing runs on state that
     * may be broken. NB: stderr is written directly, not through the logging framework, so the line
     * is out before the halt.
     */
    static FailStop haltProcess() {
        return (where, cause) -> {
            System.err.println(
                    "raftkv: fatal: %s: %s; stopping (exit %d)"
                            .formatted(where, describe(cause), EXIT_CODE));
            cause.printStackTrace(System.err);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        };
    }

    /**
     * {@code task}, stopping with {@code where} if it throws: for work scheduled on a node's loop,
     * where an executor would only log the exception and run the next task.
     */
    default Runnable guard(String where, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable cause) {
                stop(where, cause);
                throw cause; // precise rethrow: only unchecked exceptions and errors reach here
            }
        };
    }

    /** A fault's one-line description: its type and message. */
    static String describe(Throwable cause) {
        String message = cause.getMessage();
        String type = cause.getClass().getSimpleName();
        return message == null ? type : type + ": " + message;
    }
}
