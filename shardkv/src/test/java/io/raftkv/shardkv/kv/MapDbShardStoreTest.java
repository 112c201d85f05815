package io.raftkv.shardkv.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MapDbShardStoreTest {
    private static final int SHARDS = 4;

    @TempDir Path directory;

    /**
     * Random puts, overwrites, deletes, drops, clears and scans on both stores: every answer must
     * be the same. Keys are short and drawn from a small alphabet so that overwrites, deletes of
     * present keys and shared prefixes are common.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void behavesLikeTheMemoryStore(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        MemoryShardStore expected = new MemoryShardStore();
        try (MapDbShardStore actual = MapDbShardStore.open(directory.resolve("store.db"))) {
            for (int op = 0; op < 4000; op++) {
                String context = "seed " + seed + ", op " + op;
                int shard = random.nextInt(SHARDS);
                Key key = randomKey(random);
                int kind = random.nextInt(100);
                if (kind < 45) {
                    byte[] value = randomBytes(random, random.nextInt(200));
                    expected.put(shard, key, value);
                    actual.put(shard, key, value);
                } else if (kind < 60) {
                    expected.delete(shard, key);
                    actual.delete(shard, key);
                } else if (kind < 80) {
                    assertThat(actual.get(shard, key))
                            .as(context)
                            .isEqualTo(expected.get(shard, key));
                } else if (kind < 98) {
                    Key after = random.nextInt(4) == 0 ? null : key;
                    int bytesMax = random.nextInt(4) == 0 ? 0 : random.nextInt(2000);
                    assertSameEntries(
                            context,
                            actual.scan(shard, after, bytesMax),
                            expected.scan(shard, after, bytesMax));
                } else if (kind < 99) {
                    expected.dropShard(shard);
                    actual.dropShard(shard);
                } else if (random.nextInt(5) == 0) {
                    expected.clear();
                    actual.clear();
                }
                for (int s = 0; s < SHARDS; s++) {
                    assertThat(actual.bytes(s)).as(context).isEqualTo(expected.bytes(s));
                }
            }
            for (int s = 0; s < SHARDS; s++) {
                assertSameEntries(
                        "final shard " + s,
                        actual.scan(s, null, Integer.MAX_VALUE),
                        expected.scan(s, null, Integer.MAX_VALUE));
            }
        }
    }

    @Test
    void opensEmptyAndDeletesItsFileOnClose() throws Exception {
        Path file = directory.resolve("store.db");
        Files.write(file, new byte[] {1, 2, 3});
        try (MapDbShardStore store = MapDbShardStore.open(file)) {
            assertThat(store.scan(0, null, 100)).isEmpty();
            store.put(0, Key.of("a"), new byte[] {1});
        }
        assertThat(file).doesNotExist();
        try (MapDbShardStore store = MapDbShardStore.open(file)) {
            assertThat(store.get(0, Key.of("a"))).isNull();
            assertThat(store.bytes(0)).isZero();
        }
    }

    @Test
    void emptyKeysAndValues() throws Exception {
        try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
            Key empty = new Key(new byte[0]);
            store.put(1, empty, new byte[0]);
            store.put(1, Key.of("a"), new byte[] {7});
            assertThat(store.get(1, empty)).isEmpty();
            assertThat(store.bytes(1)).isEqualTo(2);
            assertThat(keys(store.scan(1, null, 100))).containsExactly(empty, Key.of("a"));
            assertThat(keys(store.scan(1, empty, 100))).containsExactly(Key.of("a"));
            store.delete(1, empty);
            assertThat(store.get(1, empty)).isNull();
            assertThat(store.bytes(1)).isEqualTo(2);
        }
    }

    @Test
    void ordersKeysAsUnsignedBytes() throws Exception {
        try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
            Key high = new Key(new byte[] {(byte) 0x80});
            Key low = new Key(new byte[] {0x7f});
            Key highest = new Key(new byte[] {(byte) 0xff, 0});
            Key longer = new Key(new byte[] {0x7f, 0});
            for (Key key : List.of(highest, high, longer, low)) {
                store.put(2, key, new byte[] {1});
            }
            assertThat(keys(store.scan(2, null, 100))).containsExactly(low, longer, high, highest);
            assertThat(keys(store.scan(2, longer, 100))).containsExactly(high, highest);
        }
    }

    @Test
    void scanReturnsOneEntryEvenIfLargerThanTheLimit() throws Exception {
        try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
            store.put(0, Key.of("a"), new byte[100]);
            store.put(0, Key.of("b"), new byte[100]);
            assertThat(keys(store.scan(0, null, 10))).containsExactly(Key.of("a"));
            assertThat(keys(store.scan(0, null, 0))).containsExactly(Key.of("a"));
            assertThat(keys(store.scan(0, Key.of("a"), 10))).containsExactly(Key.of("b"));
            // Each entry counts its 1-byte key, its 100-byte value and their two 4-byte lengths.
            assertThat(keys(store.scan(0, null, 218))).containsExactly(Key.of("a"), Key.of("b"));
            assertThat(keys(store.scan(0, null, 217))).containsExactly(Key.of("a"));
            assertThat(store.scan(0, Key.of("b"), 10)).isEmpty();
        }
    }

    /**
     * A chunk's bound holds for what it encodes to, however short its keys: an InsertChunk of 1,000
     * two-byte keys with empty values, pulled 4,000 bytes at a time, stays near 4,000 bytes
     * (counting keys and values alone, it would have taken every key: 10,000 bytes).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void scansBoundTheBytesTheirChunkEncodesTo(boolean offHeap) throws Exception {
        try (MapDbShardStore mapDb = MapDbShardStore.open(directory.resolve("store.db"))) {
            ShardStore store = offHeap ? mapDb : new MemoryShardStore();
            for (int i = 0; i < 1_000; i++) {
                store.put(0, new Key(new byte[] {(byte) (i >> 8), (byte) i}), new byte[0]);
            }
            List<Map.Entry<Key, byte[]>> scanned = store.scan(0, null, 4_000);
            ShardChunk chunk = new ShardChunk(null, scanned, false, new SessionTable());
            byte[] insert = KvCodec.encode(new KvCommand.InsertChunk(1, 0, chunk));

            assertThat(scanned).hasSize(400);
            assertThat(insert.length).isBetween(4_000, 4_000 + 64);
        }
    }

    @Test
    void shardsDoNotSeeTheirNeighbours() throws Exception {
        int[] shards = {-1, 0, 1, 2, 255, 256, Integer.MAX_VALUE, Integer.MIN_VALUE};
        try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
            for (int shard : shards) {
                store.put(shard, new Key(new byte[0]), new byte[] {(byte) shard});
                store.put(shard, new Key(new byte[] {(byte) 0xff, (byte) 0xff}), new byte[2]);
            }
            for (int shard : shards) {
                assertThat(store.scan(shard, null, Integer.MAX_VALUE))
                        .as("shard %d", shard)
                        .hasSize(2);
                assertThat(store.bytes(shard)).isEqualTo(5);
            }
            store.dropShard(1);
            store.dropShard(-1);
            assertThat(store.scan(1, null, 100)).isEmpty();
            assertThat(store.scan(-1, null, 100)).isEmpty();
            assertThat(store.bytes(1)).isZero();
            for (int shard : new int[] {0, 2, 255, 256, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
                assertThat(store.scan(shard, null, Integer.MAX_VALUE))
                        .as("shard %d", shard)
                        .hasSize(2);
                assertThat(store.get(shard, new Key(new byte[0]))).containsExactly((byte) shard);
            }
            store.clear();
            for (int shard : shards) {
                assertThat(store.scan(shard, null, Integer.MAX_VALUE)).isEmpty();
                assertThat(store.bytes(shard)).isZero();
            }
        }
    }

    @Test
    void holdsLargeValues() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        byte[][] values = new byte[8][];
        try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
            for (int i = 0; i < values.length; i++) {
                values[i] = randomBytes(random, (1 << 20) + i);
                store.put(3, Key.of("k" + i), values[i]);
            }
            store.put(3, Key.of("k0"), values[1]);
            for (int i = 1; i < values.length; i++) {
                assertThat(store.get(3, Key.of("k" + i))).isEqualTo(values[i]);
            }
            assertThat(store.get(3, Key.of("k0"))).isEqualTo(values[1]);
            List<Map.Entry<Key, byte[]>> chunk = store.scan(3, null, 3 << 20);
            assertThat(keys(chunk)).containsExactly(Key.of("k0"), Key.of("k1"));
            assertThat(chunk.get(1).getValue()).isEqualTo(values[1]);
            long total = 0;
            for (int i = 1; i < values.length; i++) {
                total += 2 + values[i].length;
            }
            assertThat(store.bytes(3)).isEqualTo(total + 2 + values[1].length);
        }
    }

    private static void assertSameEntries(
            String context,
            List<Map.Entry<Key, byte[]>> actual,
            List<Map.Entry<Key, byte[]>> expected) {
        assertThat(keys(actual)).as(context).isEqualTo(keys(expected));
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).getValue()).as(context).isEqualTo(expected.get(i).getValue());
        }
    }

    private static List<Key> keys(List<Map.Entry<Key, byte[]>> entries) {
        return entries.stream().map(Map.Entry::getKey).toList();
    }

    /** 0 to 3 bytes from {0x00, 0x01, 0x7f, 0x80, 0xff}: edges of the unsigned order. */
    private static Key randomKey(SplittableRandom random) {
        byte[] alphabet = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff};
        byte[] bytes = new byte[random.nextInt(4)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return new Key(bytes);
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
