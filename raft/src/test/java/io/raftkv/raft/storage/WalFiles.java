package io.raftkv.raft.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a crash or a failing disk does to the WAL's files, done by hand. */
final class WalFiles {
    /** Where one framed record sits in a segment: bytes {@code start} to {@code end} exclusive. */
    record RecordBounds(int start, int end) {}

    private WalFiles() {}

    /** The records of a well-formed segment, read from its framing (length prefixes) only. */
    static List<RecordBounds> records(Path segment) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<RecordBounds> records = new ArrayList<>();
        int start = SegmentReader.MAGIC.length;
        while (start + WalRecord.HEADER_BYTES <= bytes.limit()) {
            int end = start + WalRecord.HEADER_BYTES + bytes.getInt(start);
            records.add(new RecordBounds(start, end));
            start = end;
        }
        return records;
    }

    static List<Path> segments(Path dataDirectory) throws IOException {
        try (Stream<Path> files = Files.list(dataDirectory.resolve("wal"))) {
            return files.filter(file -> file.toString().endsWith(".wal")).sorted().toList();
        }
    }

    static Path onlySegment(Path dataDirectory) throws IOException {
        List<Path> segments = segments(dataDirectory);
        if (segments.size() != 1) {
            throw new AssertionError("expected one segment, found " + segments);
        }
        return segments.getFirst();
    }

    static List<Path> snapshotFiles(Path dataDirectory) throws IOException {
        try (Stream<Path> files = Files.list(dataDirectory.resolve("snapshots"))) {
            return files.sorted().toList();
        }
    }

    /** Copies a data directory, as a disk image is copied before damaging it. */
    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source));
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return to;
    }

    /** Cuts the file to its first {@code bytes} bytes: a write torn by a crash. */
    static void truncate(Path file, long bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(bytes);
        }
    }

    static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    /** Flips bit {@code offset % 8} of the byte at {@code offset}; flipping again restores it. */
    static void flipBit(Path file, long offset) throws IOException {
        try (FileChannel channel =
                FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ (1 << (offset % 8))));
            channel.write(one.rewind(), offset);
        }
    }
}
