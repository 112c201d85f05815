package io.raftkv.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Snapshot;
import io.raftkv.raft.core.SnapshotMeta;
import io.raftkv.raft.fuzz.DecoderFuzz;
import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL's decoders fuzzed from what the real writer wrote: record bodies, whole segments and
 * snapshot files refuse damage with their documented exceptions and allocate in proportion to their
 * input; and a segment cut anywhere is a torn tail, never corruption.
 */
class WalFuzzTest {
    private static final int RECORD_BYTES_MAX = WriteAheadLog.Options.defaults().recordBytesMax();
    private static final Path SEGMENT = Path.of("00000000000000000001.wal");
    private static final Path SNAPSHOT = Path.of("g1-5-2.snap");
    private static final SnapshotMeta SNAPSHOT_META = new SnapshotMeta(5, 2, GroupScript.VOTERS);

    @TempDir static Path directory;

    /** A segment the writer wrote, and its prefixes that end at a record boundary. */
    private static final List<byte[]> segments = new ArrayList<>();

    private static final List<byte[]> bodies = new ArrayList<>();
    private static final List<byte[]> snapshotFiles = new ArrayList<>();

    @BeforeAll
    static void writeCorpus() throws IOException {
        Path data = directory.resolve("data");
        GroupScript g1 = new GroupScript(GroupId.of(1));
        GroupScript g2 = new GroupScript(GroupId.of(2));
        GroupScript g3 = new GroupScript(GroupId.of(3));
        try (WalFixture fixture = new WalFixture(data)) {
            fixture.persistDurably(g1.append(3, 10), g2.append(1, 0), g3.vote());
            fixture.persistDurably(
                    g1.snapshotThenAppend(2, 5),
                    g2.leaderSnapshot(9, 2),
                    g3.appendUncommitted(2, 4));
            fixture.persistDurably(g3.overwrite(g3.firstOverwritableIndex(), 1));
            fixture.remove(GroupId.of(2));
            fixture.persistDurably(g1.append(1, 40));
        }
        Path segment = WalFiles.onlySegment(data);
        byte[] whole = Files.readAllBytes(segment);
        segments.add(whole);
        for (WalFiles.RecordBounds record : WalFiles.records(segment)) {
            segments.add(Arrays.copyOf(whole, record.end()));
            bodies.add(
                    Arrays.copyOfRange(
                            whole, record.start() + WalRecord.HEADER_BYTES, record.end()));
        }
        for (int dataBytes : new int[] {0, 1, 33, 300}) {
            Path snapshots = directory.resolve("snapshots-" + dataBytes);
            new SnapshotFiles(Disk.local(), snapshots)
                    .write(
                            GroupId.of(1),
                            new Snapshot(SNAPSHOT_META, GroupScript.pattern(7, dataBytes)));
            snapshotFiles.add(Files.readAllBytes(snapshots.resolve(SNAPSHOT)));
        }
    }

    @Test
    void recordBodiesDecodeOrAreRefused() {
        DecoderFuzz.of(
                        "WalRecord.readBody",
                        bodies,
                        LengthCoding.BIG_ENDIAN_INT,
                        bytes -> WalRecord.readBody(ByteBuffer.wrap(bytes)))
                .reencodedBy(WalFuzzTest::body)
                .run(1_000_000, 15_000);
    }

    @Test
    void theLastSegmentReadsOrIsRefusedAsCorrupt() {
        segmentFuzz(true).run(2_000_000, 6_000);
    }

    @Test
    void anEarlierSegmentReadsOrIsRefusedAsCorrupt() {
        segmentFuzz(false).run(3_000_000, 4_000);
    }

    /**
     * Damage behind a recomputed checksum: every framed record passes its check, so the damage
     * reaches the record decoder, and a malformed record is corruption even at the end.
     */
    @Test
    void aSegmentWithDamageBehindValidChecksumsReadsOrIsRefusedAsCorrupt() {
        DecoderFuzz.of(
                        "SegmentReader.read (checksums recomputed)",
                        segments,
                        LengthCoding.BIG_ENDIAN_INT,
                        bytes ->
                                SegmentReader.read(
                                        SEGMENT,
                                        withChecksumsRecomputed(bytes),
                                        true,
                                        RECORD_BYTES_MAX,
                                        r -> {}))
                .refusingWith(WalCorruptionException.class)
                .run(5_000_000, 6_000);
    }

    @Test
    void snapshotFilesReadOrAreRefusedAsCorrupt() {
        DecoderFuzz.of(
                        "SnapshotFiles.decode",
                        snapshotFiles,
                        LengthCoding.BIG_ENDIAN_INT,
                        bytes -> {
                            Snapshot snapshot =
                                    SnapshotFiles.decode(SNAPSHOT, bytes, SNAPSHOT_META);
                            assertThat(snapshot.data()).hasSize(bytes.length - 25);
                            return snapshot;
                        })
                .refusingWith(WalCorruptionException.class)
                .run(4_000_000, 6_000);
    }

    /**
     * Every prefix of the last segment reads as the records that fit whole, with the rest a torn
     * tail (a prefix shorter than the header is all torn); of an earlier segment, a prefix not at a
     * record boundary is corruption.
     */
    @Test
    void aSegmentCutAnywhereIsATornTail() throws IOException {
        byte[] whole = segments.getFirst();
        List<Integer> recordEnds = segments.stream().skip(1).map(prefix -> prefix.length).toList();
        for (int cut = 0; cut <= whole.length; cut++) {
            int kept = cut;
            List<Integer> wholeRecords = recordEnds.stream().filter(end -> end <= kept).toList();
            int validBytes =
                    cut < SegmentReader.MAGIC.length
                            ? 0
                            : wholeRecords.isEmpty()
                                    ? SegmentReader.MAGIC.length
                                    : wholeRecords.getLast();
            boolean torn = cut < SegmentReader.MAGIC.length || cut != validBytes;
            byte[] prefix = Arrays.copyOf(whole, cut);
            List<WalRecord> records = new ArrayList<>();
            assertThat(SegmentReader.read(SEGMENT, prefix, true, RECORD_BYTES_MAX, records::add))
                    .as("the last segment cut at %d", cut)
                    .isEqualTo(new SegmentReader.Result(validBytes, torn));
            assertThat(records).as("records before a cut at %d", cut).hasSize(wholeRecords.size());
            if (torn) {
                assertThatThrownBy(
                                () ->
                                        SegmentReader.read(
                                                SEGMENT, prefix, false, RECORD_BYTES_MAX, r -> {}))
                        .as("an earlier segment cut at %d", cut)
                        .isInstanceOf(WalCorruptionException.class);
            }
        }
    }

    private static DecoderFuzz<SegmentReader.Result> segmentFuzz(boolean last) {
        return DecoderFuzz.of(
                        "SegmentReader.read (%s segment)".formatted(last ? "last" : "earlier"),
                        segments,
                        LengthCoding.BIG_ENDIAN_INT,
                        bytes -> {
                            SegmentReader.Result result =
                                    SegmentReader.read(
                                            SEGMENT, bytes, last, RECORD_BYTES_MAX, r -> {});
                            assertThat(result.validBytes()).isLessThanOrEqualTo(bytes.length);
                            assertThat(result.tornTail() || result.validBytes() == bytes.length)
                                    .as("a segment read without a torn tail is valid to its end")
                                    .isTrue();
                            assertThat(last || !result.tornTail())
                                    .as("only the last segment has a torn tail")
                                    .isTrue();
                            return result;
                        })
                .refusingWith(WalCorruptionException.class);
    }

    /**
     * {@code segment} with each framed record's checksum recomputed, as far as the framing goes.
     */
    private static byte[] withChecksumsRecomputed(byte[] segment) {
        ByteBuffer bytes = ByteBuffer.wrap(segment.clone());
        int start = SegmentReader.MAGIC.length;
        while (start + WalRecord.HEADER_BYTES <= bytes.limit()) {
            int length = bytes.getInt(start);
            if (length <= 0 || length > bytes.limit() - start - WalRecord.HEADER_BYTES) {
                break;
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.array(), start + WalRecord.HEADER_BYTES, length);
            bytes.putInt(start + 4, (int) crc.getValue());
            start += WalRecord.HEADER_BYTES + length;
        }
        return bytes.array();
    }

    private static byte[] body(WalRecord record) {
        ByteBuffer buffer = ByteBuffer.allocate(WalRecord.bodyBytes(record));
        WalRecord.writeBody(record, buffer);
        assertThat(buffer.hasRemaining()).as("body size of %s", record).isFalse();
        return buffer.array();
    }
}
