package io.raftkv.shardkv.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * A {@link ShardStore} in a MapDB file: one B-tree for all shards, keyed by the shard number (4
 * bytes, big-endian) followed by the key's bytes and compared unsigned, so each shard is one
 * contiguous range and a scan is a range query. Values are stored outside the tree's nodes, in the
 * file, which is memory-mapped where the platform supports it.
 *
 * <p>This store takes the keys and values off the heap; it does not make them durable, which still
 * comes from the Raft log and snapshots. The file is written without transactions or syncs and is
 * never read again: {@link #open} deletes whatever is at its path and starts empty, and {@link
 * #close} deletes the file. After a restart the replica rebuilds its store from its Raft snapshot
 * and log, exactly as it does with {@link MemoryShardStore}. Give each replica its own file.
 *
 * <p>Of the store's own state, only the per-shard byte counts ({@link #bytes}) stay on the heap,
 * one entry per shard written to since it was last dropped. Like every {@link ShardStore}, this one
 * is used by one thread at a time (the group's loop thread), so MapDB's own locking is turned off.
 */
public final class MapDbShardStore implements ShardStore, AutoCloseable {
    private static final int SHARD_BYTES = Integer.BYTES;

    private final Path file;
    private final Map<Integer, Long> bytes = new HashMap<>();
    private DB db;
    private BTreeMap<byte[], byte[]> values;

    private MapDbShardStore(Path file) throws IOException {
        this.file = file;
        create();
    }

    /**
     * An empty store in {@code file}, which is deleted first if it exists (the store never reads an
     * old file back) and deleted again by {@link #close}.
     *
     * @throws IOException if the old file cannot be deleted
     */
    public static MapDbShardStore open(Path file) throws IOException {
        return new MapDbShardStore(file);
    }

    /** The value of {@code key} in {@code shard}, or null; a fresh array on every call. */
    @Override
    public byte[] get(int shard, Key key) {
        return values.get(encode(shard, key));
    }

    /** Sets {@code key} in {@code shard} to a copy of {@code value}. */
    @Override
    public void put(int shard, Key key, byte[] value) {
        byte[] old = values.put(encode(shard, key), value);
        bytes.merge(shard, size(key, value) - (old == null ? 0 : size(key, old)), Long::sum);
    }

    /** Removes {@code key} from {@code shard}, if it is there. */
    @Override
    public void delete(int shard, Key key) {
        byte[] old = values.remove(encode(shard, key));
        if (old != null) {
            bytes.merge(shard, -size(key, old), Long::sum);
        }
    }

    /**
     * The entries of {@code shard} after {@code after} (null: from the first), in unsigned key
     * order: at least one if any remain, and no more once {@code bytesMax} are collected, as {@link
     * ShardChunk#entryBytes} counts them.
     */
    @Override
    public List<Map.Entry<Key, byte[]>> scan(int shard, Key after, int bytesMax) {
        NavigableMap<byte[], byte[]> rest =
                after == null ? range(shard) : range(shard).tailMap(encode(shard, after), false);
        List<Map.Entry<Key, byte[]>> entries = new ArrayList<>();
        long collected = 0;
        for (Map.Entry<byte[], byte[]> entry : rest.entrySet()) {
            Key key =
                    new Key(Arrays.copyOfRange(entry.getKey(), SHARD_BYTES, entry.getKey().length));
            long size = ShardChunk.entryBytes(key, entry.getValue());
            if (!entries.isEmpty() && collected + size > bytesMax) {
                break;
            }
            entries.add(Map.entry(key, entry.getValue()));
            collected += size;
        }
        return entries;
    }

    /** Removes every key of {@code shard}, one by one; the file keeps its size for reuse. */
    @Override
    public void dropShard(int shard) {
        range(shard).clear();
        bytes.remove(shard);
    }

    /** Removes everything by replacing the file with a new, empty one. */
    @Override
    public void clear() {
        db.close();
        bytes.clear();
        try {
            create();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of keys and values held in {@code shard}, counted as {@link MemoryShardStore} does. */
    @Override
    public long bytes(int shard) {
        return bytes.getOrDefault(shard, 0L);
    }

    /** Closes the database, unmaps and deletes its file. The store cannot be used afterwards. */
    @Override
    public void close() {
        db.close();
    }

    private void create() throws IOException {
        Files.deleteIfExists(file);
        db =
                DBMaker.fileDB(file.toFile())
                        .fileMmapEnableIfSupported()
                        .cleanerHackEnable()
                        .fileDeleteAfterClose()
                        .concurrencyDisable()
                        .make();
        values =
                db.treeMap("values", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY)
                        .valuesOutsideNodesEnable()
                        .create();
    }

    /** The entries of {@code shard}: from its bare prefix up to the next shard's prefix. */
    private NavigableMap<byte[], byte[]> range(int shard) {
        byte[] first = prefix(shard);
        return shard == -1
                ? values.tailMap(first, true)
                : values.subMap(first, true, prefix(shard + 1), false);
    }

    private static byte[] prefix(int shard) {
        return ByteBuffer.allocate(SHARD_BYTES).putInt(shard).array();
    }

    private static byte[] encode(int shard, Key key) {
        return ByteBuffer.allocate(SHARD_BYTES + key.bytes().length)
                .putInt(shard)
                .put(key.bytes())
                .array();
    }

    private static long size(Key key, byte[] value) {
        return key.bytes().length + value.length;
    }
}
