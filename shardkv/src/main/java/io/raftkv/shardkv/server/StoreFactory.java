package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.raft.storage.Fsync;
import io.raftkv.shardkv.kv.MapDbShardStore;
import io.raftkv.shardkv.kv.MemoryShardStore;
import io.raftkv.shardkv.kv.ShardStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes each replica group's {@link ShardStore}: on the heap, or (off heap) a MapDB file per group
 * under {@code DATA_DIR/store}. Closes the files it opened.
 */
final class StoreFactory implements AutoCloseable {
    private final boolean offHeap;
    private final Path directory;
    private final List<MapDbShardStore> opened = new ArrayList<>();

    StoreFactory(boolean offHeap, Path dataDirectory) {
        this.offHeap = offHeap;
        this.directory = dataDirectory.resolve("store");
    }

    synchronized ShardStore open(GroupId group) {
        if (!offHeap) {
            return new MemoryShardStore();
        }
        try {
            Fsync.createDirectories(directory);
            MapDbShardStore store =
                    MapDbShardStore.open(directory.resolve("g" + group.value() + ".db"));
            opened.add(store);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("could not open the store of " + group, e);
        }
    }

    @Override
    public synchronized void close() {
        opened.forEach(MapDbShardStore::close);
        opened.clear();
    }
}
