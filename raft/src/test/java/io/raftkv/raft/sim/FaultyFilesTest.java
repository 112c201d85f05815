package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FaultyFilesTest {
    private static final Path DIRECTORY = Path.of("/data");
    private static final Path FILE = DIRECTORY.resolve("a");

    private static FaultyFiles filesWithDirectory(long seed) throws IOException {
        FaultyFiles files = new FaultyFiles(new SplittableRandom(seed));
        files.createDirectory(DIRECTORY);
        return files;
    }

    private static FileChannel create(FaultyFiles files) throws IOException {
        FileChannel channel =
                files.open(FILE, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return channel;
    }

    private static byte[] bytes(int from, int count) {
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = (byte) (from + i);
        }
        return bytes;
    }

    @Test
    void syncedWritesAndSyncedDirectoryEntriesSurviveACrash() throws IOException {
        FaultyFiles files = filesWithDirectory(1);
        FileChannel channel = create(files);
        channel.write(ByteBuffer.wrap(bytes(0, 10)));
        channel.force(false);
        files.syncDirectory(DIRECTORY);

        files.crash(1.0);

        assertThat(files.readAllBytes(FILE)).isEqualTo(bytes(0, 10));
    }

    @Test
    void aFileWhoseDirectoryWasNotSyncedVanishesInACrash() throws IOException {
        FaultyFiles files = filesWithDirectory(1);
        create(files).force(false);

        files.crash(0);

        assertThat(files.exists(FILE)).isFalse();
    }

    @Test
    void aRenameOrDeletionNotSyncedIsUndoneByACrash() throws IOException {
        FaultyFiles files = filesWithDirectory(1);
        create(files).force(false);
        files.syncDirectory(DIRECTORY);
        Path renamed = DIRECTORY.resolve("b");
        files.moveAtomically(FILE, renamed);

        files.crash(0);

        assertThat(files.exists(FILE)).isTrue();
        assertThat(files.exists(renamed)).isFalse();
        files.deleteIfExists(FILE);
        files.crash(0);
        assertThat(files.exists(FILE)).isTrue();
    }

    /** Over many seeds: what is left is always the synced part plus a prefix, possibly torn. */
    @Test
    void aCrashKeepsAPrefixOfTheUnsyncedWritesPossiblyTorn() throws IOException {
        byte[] all = bytes(0, 30);
        boolean sawTorn = false;
        boolean sawLost = false;
        for (long seed = 0; seed < 200; seed++) {
            FaultyFiles files = filesWithDirectory(seed);
            FileChannel channel = create(files);
            channel.write(ByteBuffer.wrap(bytes(0, 10)));
            channel.force(false);
            files.syncDirectory(DIRECTORY);
            channel.write(ByteBuffer.wrap(bytes(10, 10)));
            channel.write(ByteBuffer.wrap(bytes(20, 10)));

            files.crash(0.5);

            byte[] left = files.readAllBytes(FILE);
            assertThat(left.length).isBetween(10, 30);
            int same = 0;
            while (same < left.length && left[same] == all[same]) {
                same++;
            }
            assertThat(same).as("seed %d: a prefix", seed).isGreaterThanOrEqualTo(10);
            assertThat(Arrays.copyOfRange(left, same, left.length))
                    .as("seed %d: zeros past the prefix", seed)
                    .isEqualTo(new byte[left.length - same]);
            sawTorn |= same % 10 != 0;
            sawLost |= left.length < 30;
        }
        assertThat(sawTorn).isTrue();
        assertThat(sawLost).isTrue();
    }

    @Test
    void aFailedSyncLeavesTheWritesUnsynced() throws IOException {
        FaultyFiles files = filesWithDirectory(1);
        FileChannel channel = create(files);
        files.syncDirectory(DIRECTORY);
        channel.write(ByteBuffer.wrap(bytes(0, 10)));
        files.failSyncs(1.0);

        assertThatThrownBy(() -> channel.force(false))
                .isInstanceOf(FaultyFiles.InjectedSyncFailure.class);
        assertThat(files.durableCopy().readAllBytes(FILE)).isEmpty();
        assertThat(files.syncFailures()).isEqualTo(1);
    }

    @Test
    void aCrashClosesTheChannelsOpenBeforeIt() throws IOException {
        FaultyFiles files = filesWithDirectory(1);
        FileChannel channel = create(files);
        files.syncDirectory(DIRECTORY);

        files.crash(0);

        assertThatThrownBy(() -> channel.write(ByteBuffer.wrap(bytes(0, 1))))
                .isInstanceOf(ClosedChannelException.class);
    }
}
