package io.raftkv.raft.storage;

import static org.assertj.core.api.Assertions.assertThat;
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
    void theFirstNodeClaimsTheDirectoryAndKeepsItsIncarnationAtEveryStart() throws IOException {
        Path data = root.resolve("n1");
        long incarnation = DataDirectoryIdentity.claim(data, "prod", NodeId.of(1));

        assertThat(incarnation).isNotZero();
        assertThat(DataDirectoryIdentity.claim(data, "prod", NodeId.of(1))).isEqualTo(incarnation);
    }

    @Test
    void aBlankDirectoryOfTheSameNodeGetsAnotherIncarnation() throws IOException {
        long first = DataDirectoryIdentity.claim(root.resolve("disk1"), "prod", NodeId.of(1));
        long second = DataDirectoryIdentity.claim(root.resolve("disk2"), "prod", NodeId.of(1));

        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void aVersionOneIdentityIsUpgradedWithAnIncarnationThatThenStays() throws IOException {
        Path data = Files.createDirectories(root.resolve("n1"));
        Files.writeString(
                data.resolve(DataDirectoryIdentity.FILE),
                "raftkv-identity v1 cluster=prod node=1\n");

        long incarnation = DataDirectoryIdentity.claim(data, "prod", NodeId.of(1));

        assertThat(Files.readString(data.resolve(DataDirectoryIdentity.FILE)))
                .startsWith("raftkv-identity v2 cluster=prod node=1 incarnation=");
        assertThat(DataDirectoryIdentity.claim(data, "prod", NodeId.of(1))).isEqualTo(incarnation);
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
