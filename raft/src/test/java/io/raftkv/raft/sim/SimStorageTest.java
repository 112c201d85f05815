package io.raftkv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.PersistedState;
import io.raftkv.raft.host.GroupWrite;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated disk orders a group's removal after the writes handed in before it, as the WAL. */
class SimStorageTest {
    private static final GroupId GROUP = GroupId.of(1);

    private final SimScheduler scheduler = new SimScheduler();
    private final SimStorage storage = new SimStorage(scheduler, new SplittableRandom(1));

    @Test
    void aWriteInFlightWhenItsGroupIsRemovedDoesNotBringTheGroupBack() {
        storage.syncDelayMillis(5);
        storage.persist(List.of(write(1)), () -> {});
        storage.remove(GROUP);
        while (scheduler.runNext(100)) {}

        assertThat(storage.groups()).doesNotContain(GROUP);
        assertThat(storage.load(GROUP)).isEqualTo(PersistedState.EMPTY);
    }

    @Test
    void aWriteHandedInAfterTheRemovalIsKept() {
        storage.remove(GROUP);
        storage.persist(List.of(write(1)), () -> {});
        while (scheduler.runNext(100)) {}

        assertThat(storage.groups()).containsExactly(GROUP);
    }

    private static GroupWrite write(long index) {
        return new GroupWrite(
                GROUP,
                Optional.empty(),
                Optional.empty(),
                false,
                List.of(Entry.command(index, 1, new byte[] {1})),
                true);
    }
}
