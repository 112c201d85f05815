package io.raftkv.raft.scenario;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.core.RaftOptions;
import io.raftkv.raft.core.RaftReplica;
import io.raftkv.raft.core.ReadState;
import io.raftkv.raft.core.Ready;
import io.raftkv.raft.core.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One node as a host would run it, minus threads and disks: a {@link RaftReplica}, the storage it
 * persists into (in memory) and a state machine that records the commands applied by index.
 *
 * <p>{@link #processReady} follows {@link Ready}'s contract step by step and checks the parts of it
 * a host can see, so a scenario fails loudly if the core hands out something a real host could not
 * act on.
 */
final class ScenarioHost {
    private final RaftReplica replica;

    // Storage: what survives a crash.
    private HardState hardState = HardState.EMPTY;
    private Optional<Snapshot> snapshot = Optional.empty();
    private final TreeMap<Long, Entry> log = new TreeMap<>();

    /** The state machine: the command applied at each index (no-ops apply nothing). */
    private final TreeMap<Long, String> applied = new TreeMap<>();

    private long appliedIndex;
    private boolean isolated;

    ScenarioHost(NodeId id, Membership membership, RaftOptions options, long seed) {
        this.replica = new RaftReplica(id, membership, options, seed, PersistedState.EMPTY);
    }

    RaftReplica replica() {
        return replica;
    }

    NodeId id() {
        return replica.id();
    }

    boolean isolated() {
        return isolated;
    }

    void isolated(boolean isolated) {
        this.isolated = isolated;
    }

    /**
     * Handles one Ready: persist, send (into {@code network}), apply, hand out reads, advance.
     * Appends what it did to {@code out}, or nothing if there was no Ready.
     */
    void processReady(List<String> out, Consumer<Message> network) {
        if (!replica.hasReady()) {
            return;
        }
        Ready ready = replica.ready();
        out.add(id() + " ready" + (ready.mustSync() ? " (sync)" : "") + ":");
        persist(ready, out);
        for (Message message : ready.messages()) {
            out.add("  send " + ScenarioFormat.message(message));
            network.accept(message);
        }
        ready.snapshot()
                .ifPresent(
                        received -> {
                            restore(received);
                            out.add("  restore snapshot " + ScenarioFormat.snapshot(received));
                        });
        apply(ready.committedEntries(), out);
        for (ReadState read : ready.readStates()) {
            Check.that(
                    read.readIndex() <= replica.commitIndex(),
                    "read %s is past the commit index",
                    read);
            out.add("  read-state id=%d index=%d".formatted(read.requestId(), read.readIndex()));
        }
        replica.advance(ready);
    }

    private void persist(Ready ready, List<String> out) {
        ready.hardState()
                .ifPresent(
                        state -> {
                            hardState = state;
                            out.add("  persist hard state " + ScenarioFormat.hardState(state));
                        });
        ready.snapshot()
                .ifPresent(
                        received -> {
                            snapshot = Optional.of(received);
                            log.clear();
                            out.add("  persist snapshot " + ScenarioFormat.snapshot(received));
                        });
        if (!ready.entries().isEmpty()) {
            log.tailMap(ready.entries().getFirst().index(), true).clear();
            ready.entries().forEach(entry -> log.put(entry.index(), entry));
            out.add("  persist entries " + ScenarioFormat.entries(ready.entries()));
        }
    }

    private void apply(List<Entry> committed, List<String> out) {
        if (committed.isEmpty()) {
            return;
        }
        for (Entry entry : committed) {
            Check.that(
                    entry.index() == appliedIndex + 1,
                    "%s applies %s after %d",
                    id(),
                    entry,
                    appliedIndex);
            Check.that(
                    entry.equals(log.get(entry.index())),
                    "%s applies %s before persisting it",
                    id(),
                    entry);
            if (entry.type() == EntryType.COMMAND) {
                applied.put(entry.index(), new String(entry.data(), StandardCharsets.UTF_8));
            }
            appliedIndex = entry.index();
        }
        out.add("  apply " + ScenarioFormat.entries(committed));
    }

    /** Takes a snapshot of the state machine at {@code index} and compacts the log to it. */
    Snapshot compact(long index) {
        String image =
                applied.headMap(index, true).entrySet().stream()
                        .map(command -> command.getKey() + ":" + command.getValue())
                        .collect(Collectors.joining(";"));
        Snapshot taken =
                new Snapshot(replica.snapshotMetaAt(index), image.getBytes(StandardCharsets.UTF_8));
        replica.compact(taken);
        snapshot = Optional.of(taken);
        log.headMap(index, true).clear();
        return taken;
    }

    private void restore(Snapshot received) {
        applied.clear();
        String image = new String(received.data(), StandardCharsets.UTF_8);
        for (String command : image.isEmpty() ? new String[0] : image.split(";")) {
            String[] parts = command.split(":", 2);
            applied.put(Long.parseLong(parts[0]), parts[1]);
        }
        appliedIndex = received.index();
    }

    /** The storage and state machine, for {@code log} commands. */
    List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add(id() + " hard state " + ScenarioFormat.hardState(hardState));
        snapshot.ifPresent(
                taken -> lines.add(id() + " snapshot " + ScenarioFormat.snapshot(taken)));
        lines.add(id() + " log [" + ScenarioFormat.entries(List.copyOf(log.values())) + "]");
        lines.add(id() + " applied " + appliedIndex + " " + stateMachine());
        return lines;
    }

    private String stateMachine() {
        return applied.entrySet().stream()
                .map(command -> command.getKey() + ":" + command.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }
}
