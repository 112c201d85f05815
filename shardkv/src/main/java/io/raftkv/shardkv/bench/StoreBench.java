package io.raftkv.shardkv.bench;

import io.raftkv.shardkv.kv.Key;
import io.raftkv.shardkv.kv.MapDbShardStore;
import io.raftkv.shardkv.kv.MemoryShardStore;
import io.raftkv.shardkv.kv.ShardStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Puts, gets and full scans per second of {@link MapDbShardStore} against {@link MemoryShardStore}
 * in the same run, the two alternating round by round so that both see the same machine weather:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shardkv/target/raftkv-shardkv-0.1.0-SNAPSHOT-all.jar io.raftkv.shardkv.bench.StoreBench [DIR] [ROUNDS] [SCALE]
 * </pre>
 *
 * <p>A first, uncounted round warms up the JIT. Each round fills a new store with distinct keys, in
 * random order, over {@value #SHARDS} shards, reads every key back in another random order, then
 * scans every shard in {@value #SCAN_BYTES}-byte chunks, as a snapshot or a shard handoff does,
 * repeating the full scan for at least {@value #SCAN_SECONDS_MIN} s.
 */
public final class StoreBench {
    private static final int SHARDS = 10;
    private static final int SCAN_BYTES = 1 << 20;
    private static final double SCAN_SECONDS_MIN = 0.5;

    /** One store's rates in one round. */
    private record Rates(double puts, double gets, double scanMegabytes) {}

    private StoreBench() {}

    /**
     * Runs the benchmark. Arguments, all optional: the directory for the MapDB file (default: a new
     * temporary one, deleted afterwards), the number of counted rounds (default 3), and a factor
     * for the key counts (default 1: 200,000 keys of 100 bytes, then 20,000 keys of 4 KiB).
     */
    public static void main(String[] args) throws Exception {
        boolean temporary = args.length == 0;
        Path directory = temporary ? Files.createTempDirectory("storebench") : Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        double scale = args.length > 2 ? Double.parseDouble(args[2]) : 1;
        System.out.printf(
                "Store benchmark in %s: %d alternating rounds after a warm-up, %d shards, java %s%n",
                directory, rounds, SHARDS, Runtime.version());
        System.out.printf(
                "%-18s %-13s %12s %12s %12s%n", "case", "store", "puts/s", "gets/s", "scan MB/s");
        compare(directory, (int) (200_000 * scale), 100, rounds);
        compare(directory, (int) (20_000 * scale), 4096, rounds);
        if (temporary) {
            Files.delete(directory);
        }
    }

    /** Runs both stores {@code rounds} times, alternately, and prints medians and ratios. */
    private static void compare(Path directory, int count, int size, int rounds) throws Exception {
        SplittableRandom random = new SplittableRandom(count * 31L + size);
        Key[] keys = new Key[count];
        byte[][] values = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = Key.of("key-%010d".formatted(i));
            values[i] = new byte[size];
            random.nextBytes(values[i]);
        }
        Rates[] memory = new Rates[rounds];
        Rates[] mapDb = new Rates[rounds];
        // Round -1 warms up the JIT and is not counted.
        for (int round = -1; round < rounds; round++) {
            Rates inHeap = run(new MemoryShardStore(), keys, values, random);
            Rates inFile;
            try (MapDbShardStore store = MapDbShardStore.open(directory.resolve("store.db"))) {
                inFile = run(store, keys, values, random);
            }
            if (round >= 0) {
                memory[round] = inHeap;
                mapDb[round] = inFile;
            }
        }
        String name = "%d x %d B".formatted(count, size);
        print(name, "memory", memory);
        print(name, "mapdb", mapDb);
        System.out.printf(
                "%-18s %-13s %12.2f %12.2f %12.2f%n",
                name,
                "mapdb/memory",
                medianRatio(mapDb, memory, Rates::puts),
                medianRatio(mapDb, memory, Rates::gets),
                medianRatio(mapDb, memory, Rates::scanMegabytes));
    }

    private static Rates run(
            ShardStore store, Key[] keys, byte[][] values, SplittableRandom random) {
        int[] order = shuffled(keys.length, random);
        System.gc();
        long start = System.nanoTime();
        for (int i : order) {
            store.put(i % SHARDS, keys[i], values[i]);
        }
        double puts = keys.length / seconds(start);

        order = shuffled(keys.length, random);
        long found = 0;
        System.gc();
        start = System.nanoTime();
        for (int i : order) {
            found += store.get(i % SHARDS, keys[i]).length;
        }
        double gets = keys.length / seconds(start);
        if (found != (long) keys.length * values[0].length) {
            throw new IllegalStateException("read %d bytes of values".formatted(found));
        }

        long held = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            held += store.bytes(shard);
        }
        long scanned = 0;
        System.gc();
        start = System.nanoTime();
        do {
            long pass = scanAll(store);
            if (pass != held) {
                throw new IllegalStateException("scanned %d bytes of %d".formatted(pass, held));
            }
            scanned += pass;
        } while (seconds(start) < SCAN_SECONDS_MIN);
        double scanMegabytes = scanned / 1e6 / seconds(start);
        return new Rates(puts, gets, scanMegabytes);
    }

    /** Scans every shard in chunks, as a snapshot does, and returns the bytes seen. */
    private static long scanAll(ShardStore store) {
        long scanned = 0;
        for (int shard = 0; shard < SHARDS; shard++) {
            List<Map.Entry<Key, byte[]>> batch = store.scan(shard, null, SCAN_BYTES);
            while (!batch.isEmpty()) {
                for (Map.Entry<Key, byte[]> entry : batch) {
                    scanned += entry.getKey().bytes().length + entry.getValue().length;
                }
                batch = store.scan(shard, batch.getLast().getKey(), SCAN_BYTES);
            }
        }
        return scanned;
    }

    private static void print(String name, String store, Rates[] rates) {
        System.out.printf(
                "%-18s %-13s %12.0f %12.0f %12.1f%n",
                name,
                store,
                median(rates, Rates::puts),
                median(rates, Rates::gets),
                median(rates, Rates::scanMegabytes));
    }

    private static double median(Rates[] rates, ToDoubleFunction<Rates> rate) {
        double[] sorted = Arrays.stream(rates).mapToDouble(rate).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** The median over rounds of {@code a}'s rate divided by {@code b}'s in the same round. */
    private static double medianRatio(Rates[] a, Rates[] b, ToDoubleFunction<Rates> rate) {
        double[] ratios = new double[a.length];
        for (int round = 0; round < a.length; round++) {
            ratios[round] = rate.applyAsDouble(a[round]) / rate.applyAsDouble(b[round]);
        }
        Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }

    private static int[] shuffled(int count, SplittableRandom random) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
