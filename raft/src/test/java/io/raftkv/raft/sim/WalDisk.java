package io.raftkv.raft.sim;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.host.RaftStorage;
import io.raftkv.raft.storage.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A simulated node's disk running the production {@link WriteAheadLog} over {@link FaultyFiles}
 * (issue 15): each start of the node recovers a new log from the files, whatever the last crash
 * left of them. The log's writer runs as tasks on the simulator's scheduler, {@code
 * syncDelayMillis} after the first batch it will write, so runs replay from their seed.
 *
 * <p>What is durable, for the simulator's promise check, is what the log recovers from a copy of
 * the files' durable images alone: the state every crash leaves at least. It is derived from the
 * disk, not from what the log reported durable, so a log that reported a batch durable before its
 * sync would be caught.
 */
public final class WalDisk implements SimDisk {
    /**
     * The log's tuning and the disk's faults.
     *
     * @param syncFailureRate once the log is open, each sync fails with this probability
     */
    public record Settings(WriteAheadLog.Options options, double syncFailureRate) {}

    private static final Path DATA = Path.of("/raftkv/data");

    private final SimScheduler scheduler;
    private final FaultyFiles files;
    private final Settings settings;
    private boolean syncsFail = true;
    private long syncDelayMillis = 1;

    /** Bumped at each start and crash: writer tasks of an earlier run of the log do not run. */
    private long run;

    private long durableViewVersion = -1;
    private TreeMap<GroupId, Durable> durableView = new TreeMap<>();

    WalDisk(SimScheduler scheduler, SplittableRandom random, Settings settings) {
        this.scheduler = scheduler;
        this.files = new FaultyFiles(random);
        this.settings = settings;
    }

    public FaultyFiles files() {
        return files;
    }

    @Override
    public RaftStorage open(Consumer<Throwable> onFatal) throws IOException {
        long thisRun = ++run;
        WriteAheadLog wal =
                WriteAheadLog.openWithWriterTasks(
                        files,
                        task ->
                                scheduler.schedule(
                                        syncDelayMillis,
                                        () -> {
                                            if (run == thisRun) {
                                                task.run();
                                            }
                                        }),
                        DATA,
                        settings.options(),
                        onFatal);
        files.failSyncs(syncsFail ? settings.syncFailureRate() : 0);
        return wal;
    }

    /** From now on no sync fails: the faults are over. */
    void stopSyncFailures() {
        syncsFail = false;
        files.failSyncs(0);
    }

    @Override
    public void syncDelayMillis(long millis) {
        syncDelayMillis = millis;
    }

    @Override
    public void crash(double tearRate) {
        run++;
        files.crash(tearRate);
    }

    @Override
    public Optional<Durable> durable(GroupId group) {
        return Optional.ofNullable(durableView().get(group));
    }

    @Override
    public SortedSet<GroupId> storedGroups() {
        return new TreeSet<>(durableView().keySet());
    }

    /**
     * Opens a log on the files (no faults), removes the group, and closes the log, which writes the
     * removal and syncs it.
     */
    @Override
    public void removeWhileDown(GroupId group) {
        try (WriteAheadLog wal =
                WriteAheadLog.openWithWriterTasks(
                        files,
                        Runnable::run,
                        DATA,
                        settings.options(),
                        failure -> {
                            throw new InvariantViolation("removing " + group, failure);
                        })) {
            for (GroupId stored : wal.groups()) {
                wal.load(stored); // as a host would, before the log writes
            }
            wal.remove(group);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Recovered afresh from the durable images whenever they may have changed. */
    private TreeMap<GroupId, Durable> durableView() {
        if (durableViewVersion == files.durableVersion()) {
            return durableView;
        }
        TreeMap<GroupId, Durable> view = new TreeMap<>();
        try (WriteAheadLog wal =
                WriteAheadLog.openWithWriterTasks(
                        files.durableCopy(), task -> {}, DATA, settings.options(), failure -> {})) {
            for (GroupId group : wal.groups()) {
                PersistedState state = wal.load(group);
                view.put(group, new Durable(state.hardState(), lastIndex(state)));
            }
        } catch (IOException | RuntimeException e) {
            throw new InvariantViolation("the durable files do not recover: " + e, e);
        }
        durableView = view;
        durableViewVersion = files.durableVersion();
        return view;
    }

    private static long lastIndex(PersistedState state) {
        if (!state.entries().isEmpty()) {
            return state.entries().getLast().index();
        }
        return state.snapshot().map(Snapshot::index).orElse(0L);
    }
}
