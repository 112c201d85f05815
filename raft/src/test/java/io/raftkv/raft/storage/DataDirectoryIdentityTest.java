package io.raftkv.raft.storage;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory belongs to the node that first used it; another node is refused. */
class DataDirectoryIdentityTest {
    @TempDir Path root;

    @Test
    void theFirstNodeClaimsTheDirectoryAndMayStartAgain() {
        Path data = root.resolve("n1");
        assertThatCode(() -> DataDirectoryIdentity.claim(data, "prod", NodeId.of(1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> DataDirectoryIdentity.claim(data, "prod", NodeId.of(1)))
                .doesNotThrowAnyException();
    }

    @Test
    void anotherNodeOrClusterIsRefusedWithBothIdentitiesNamed() throws IOException {
        Path data = root.resolve("n1");
        DataDirectoryIdentity.claim(data, "prod", NodeId.of(1));

        assertThatThrownBy(() -> DataDirectoryIdentity.claim(data, "prod", NodeId.of(2)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("belongs to cluster=prod node=1, not to cluster=prod node=2");
        assertThatThrownBy(() -> DataDirectoryIdentity.claim(data, "staging", NodeId.of(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not to cluster=staging node=1");
    }

    @Test
    void aFileThatIsNoIdentityIsRefused() throws IOException {
        Path data = Files.createDirectories(root.resolve("n1"));
        Files.writeString(data.resolve(DataDirectoryIdentity.FILE), "hello");

        assertThatThrownBy(() -> DataDirectoryIdentity.claim(data, "prod", NodeId.of(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a raftkv identity file");
    }
}
