package io.raftkv.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsyncTest {
    @Test
    void createDirectoriesMakesEveryMissingParentAndIsIdempotent(@TempDir Path root)
            throws IOException {
        Path nested = root.resolve("data").resolve("n1").resolve("wal");

        assertThat(Fsync.createDirectories(nested)).isEqualTo(nested);
        assertThat(Fsync.createDirectories(nested)).isEqualTo(nested);

        assertThat(nested).isDirectory();
    }

    @Test
    void createDirectoriesRefusesAFileInTheWay(@TempDir Path root) throws IOException {
        Path file = Files.createFile(root.resolve("data"));

        assertThatThrownBy(() -> Fsync.createDirectories(file.resolve("wal")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Fsync.createDirectories(file))
                .isInstanceOf(FileAlreadyExistsException.class);
    }
}
