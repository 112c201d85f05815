package io.raftkv.shardkv.sharded;

import io.raftkv.shardkv.kv.MapDbShardStore;
import io.raftkv.shardkv.kv.ShardStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The durable store for simulated replicas: each new state machine gets its own {@link
 * MapDbShardStore} file in one temporary directory, as a node's {@code --store mapdb} does. A
 * crashed replica's file is simply left behind (a real restart recreates it, and the simulation
 * makes a new one); {@link #close} closes and deletes them all.
 */
final class MapDbStores implements Supplier<ShardStore>, AutoCloseable {
    private final Path directory;
    private final List<MapDbShardStore> opened = new ArrayList<>();

    MapDbStores() {
        try {
            directory = Files.createTempDirectory("raftkv-sim-store");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ShardStore get() {
        try {
            MapDbShardStore store =
                    MapDbShardStore.open(directory.resolve("store-" + opened.size() + ".db"));
            opened.add(store);
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        opened.forEach(MapDbShardStore::close);
        opened.clear();
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
            Files.delete(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + directory, e);
        }
    }
}
