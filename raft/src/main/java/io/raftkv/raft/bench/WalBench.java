package io.raftkv.raft.bench;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.host.GroupWrite;
import io.raftkv.raft.storage.WriteAheadLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Records per second and syncs per second of the WAL against a raw {@code FileChannel} append plus
 * {@code force} in the same run, closed loop (the next batch is handed in when the previous one is
 * durable, as a host does):
 *
 * <pre>
 * java -cp shardkv/target/raftkv-shardkv-0.1.0-SNAPSHOT-all.jar io.raftkv.raft.bench.WalBench [DIR] [SECONDS] [ROUNDS]
 * </pre>
 */
public final class WalBench {
    private record Result(String name, long records, long syncs, double seconds) {
        String line() {
            return "%-44s %10.0f records/s %8.0f syncs/s"
                    .formatted(name, records / seconds, syncs / seconds);
        }
    }

    private WalBench() {}

    public static void main(String[] args) throws Exception {
        Path directory = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("walbench");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf(
                "WAL benchmark in %s: %d alternating rounds of %.0f s per case, java %s%n",
                directory, rounds, seconds, Runtime.version());
        for (int size : new int[] {100, 1024}) {
            compare(directory, size, 1, 1, seconds, rounds);
            compare(directory, size, 1, 64, seconds, rounds);
            compare(directory, size, 100, 1, seconds, rounds);
        }
    }

    /**
     * Runs the raw baseline and the WAL alternately, {@code rounds} times, so that both see the
     * same disk weather, and prints the medians and the median of the per-round ratios.
     */
    private static void compare(
            Path directory, int size, int groups, int perGroup, double seconds, int rounds)
            throws Exception {
        double[] raw = new double[rounds];
        double[] wal = new double[rounds];
        double[] ratios = new double[rounds];
        Result last = null;
        for (int round = 0; round < rounds; round++) {
            Result baseline = raw(directory, size, groups * perGroup, seconds);
            last = wal(directory, size, groups, perGroup, seconds);
            raw[round] = baseline.records() / baseline.seconds();
            wal[round] = last.records() / last.seconds();
            ratios[round] = wal[round] / raw[round];
        }
        System.out.printf(
                "%-40s raw %9.0f records/s   WAL %9.0f records/s (%6.0f syncs/s)   WAL/raw %.2f%n",
                last.name(),
                median(raw),
                median(wal),
                median(wal) / (groups * perGroup),
                median(ratios));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Appends records framed like WAL records (length, CRC32C, payload), forcing every batch. */
    private static Result raw(Path root, int size, int perSync, double seconds) throws IOException {
        Path file = Files.createDirectories(root.resolve("raw")).resolve("raw.log");
        Files.deleteIfExists(file);
        byte[] payload = new byte[size];
        long records = 0;
        long syncs = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(perSync * (size + 8));
            while (System.nanoTime() < deadline) {
                buffer.clear();
                for (int i = 0; i < perSync; i++) {
                    CRC32C crc = new CRC32C();
                    crc.update(payload);
                    buffer.putInt(size).putInt((int) crc.getValue()).put(payload);
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(false);
                records += perSync;
                syncs++;
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(
                "raw FileChannel %dB x%d per force".formatted(size, perSync),
                records,
                syncs,
                elapsed);
    }

    /**
     * {@code groups} groups each append {@code perGroup} entries of {@code size} bytes (and a hard
     * state) per batch.
     */
    private static Result wal(Path root, int size, int groups, int perGroup, double seconds)
            throws Exception {
        Path directory = root.resolve("wal-" + size + "-" + groups + "-" + perGroup);
        deleteRecursively(directory);
        long[] nextIndex = new long[groups];
        byte[] payload = new byte[size];
        long records = 0;
        long batches = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        try (WriteAheadLog wal =
                WriteAheadLog.open(
                        directory,
                        WriteAheadLog.Options.defaults(),
                        failure -> failure.printStackTrace())) {
            while (System.nanoTime() < deadline) {
                List<GroupWrite> writes = new ArrayList<>(groups);
                for (int g = 0; g < groups; g++) {
                    List<Entry> entries = new ArrayList<>(perGroup);
                    for (int i = 0; i < perGroup; i++) {
                        entries.add(Entry.command(++nextIndex[g], 1, payload));
                    }
                    HardState state = new HardState(1, Optional.empty(), nextIndex[g] - perGroup);
                    writes.add(
                            new GroupWrite(
                                    GroupId.of(g + 1),
                                    Optional.of(state),
                                    Optional.empty(),
                                    false,
                                    entries,
                                    true));
                }
                CountDownLatch durable = new CountDownLatch(1);
                wal.persist(writes, durable::countDown);
                durable.await();
                records += (long) groups * perGroup;
                batches++;
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        String name = "WAL %dB, %d group(s) x%d per batch".formatted(size, groups, perGroup);
        return new Result(name, records, batches, elapsed);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
