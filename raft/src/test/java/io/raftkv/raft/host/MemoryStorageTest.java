package io.raftkv.raft.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.PersistedState;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MemoryStorageTest {
    private static final GroupId G1 = GroupId.of(1);
    private static final GroupId G2 = GroupId.of(2);

    @Test
    void unknownGroupLoadsAsEmpty() {
        MemoryStorage storage = new MemoryStorage();

        assertThat(storage.load(G1)).isEqualTo(PersistedState.EMPTY);
        assertThat(storage.groups()).isEmpty();
    }

    @Test
    void batchIsLoadableWhenOnDurableRuns() {
        MemoryStorage storage = new MemoryStorage();
        AtomicReference<PersistedState> seenOnDurable = new AtomicReference<>();

        storage.persist(
                List.of(write(G1, Entry.noop(1, 1))), () -> seenOnDurable.set(storage.load(G1)));

        assertThat(seenOnDurable.get()).as("onDurable ran before persist returned").isNotNull();
        assertThat(seenOnDurable.get().entries()).containsExactly(Entry.noop(1, 1));
    }

    @Test
    void groupsAreListedInIdOrderAndRemovable() {
        MemoryStorage storage = new MemoryStorage();
        storage.persist(
                List.of(write(G2, Entry.noop(1, 1)), write(GroupId.CONTROLLER, Entry.noop(1, 1))),
                () -> {});
        storage.persist(List.of(write(G1, Entry.noop(1, 1))), () -> {});

        assertThat(storage.groups()).containsExactly(GroupId.CONTROLLER, G1, G2);
        storage.remove(G1);
        assertThat(storage.groups()).containsExactly(GroupId.CONTROLLER, G2);
        assertThat(storage.load(G1)).isEqualTo(PersistedState.EMPTY);
    }

    @Test
    void writesToOneGroupLeaveTheOthersAlone() {
        MemoryStorage storage = new MemoryStorage();
        HardState voted = new HardState(2, Optional.of(NodeId.of(3)), 0);

        storage.persist(
                List.of(
                        new GroupWrite(
                                G1, Optional.of(voted), Optional.empty(), false, List.of(), true),
                        write(G2, Entry.noop(1, 1))),
                () -> {});

        assertThat(storage.load(G1).hardState()).isEqualTo(voted);
        assertThat(storage.load(G1).entries()).isEmpty();
        assertThat(storage.load(G2).hardState()).isEqualTo(HardState.EMPTY);
        assertThat(storage.load(G2).entries()).hasSize(1);
    }

    private static GroupWrite write(GroupId group, Entry... entries) {
        return new GroupWrite(
                group, Optional.empty(), Optional.empty(), false, List.of(entries), false);
    }
}
