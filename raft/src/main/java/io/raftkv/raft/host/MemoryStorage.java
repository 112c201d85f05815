package io.raftkv.raft.host;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.PersistedState;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Raft storage in memory: durable for as long as the object lives, which is enough for one-JVM
 * clusters (the demo, tests of the layers above) where a "crash" keeps the storage object. Every
 * batch is durable when {@link #persist} returns, and {@code onDurable} runs before it returns.
 * Thread-safe.
 */
public final class MemoryStorage implements RaftStorage {
    private final TreeMap<GroupId, StoredLog> logs = new TreeMap<>();

    @Override
    public synchronized SortedSet<GroupId> groups() {
        return new TreeSet<>(logs.keySet());
    }

    @Override
    public synchronized PersistedState load(GroupId group) {
        StoredLog log = logs.get(group);
        return log == null ? PersistedState.EMPTY : log.state();
    }

    @Override
    public void persist(List<GroupWrite> writes, Runnable onDurable) {
        synchronized (this) {
            for (GroupWrite write : writes) {
                logs.computeIfAbsent(write.group(), group -> new StoredLog()).apply(write);
            }
        }
        onDurable.run();
    }

    @Override
    public synchronized void remove(GroupId group) {
        logs.remove(group);
    }
}
