package io.raftkv.raft.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.core.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host bounds what it buffers in bytes (DESIGN.md rule 5): inbound envelopes past the buffer are
 * dropped and counted, and reads past a group's pending bytes are Overloaded until the waiting ones
 * are served. The loop is a hand-run queue, so nothing happens between the test's steps.
 */
class HostBoundsTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final NodeId SELF = NodeId.of(1);
    private static final NodeId PEER = NodeId.of(2);

    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();

    @Test
    void envelopesPastTheInboundBytesAreDroppedAndCountedUntilARoundEmptiesTheBuffer() {
        GroupHost host = host(HostOptions.defaults().withBufferBounds(100, 3_000, 16 << 20));
        host.addGroup(GROUP, Membership.of(SELF, PEER, NodeId.of(3)), new NoState(), 1);
        runLoop();
        Envelope append = append(1_000); // 1,088 bytes: two fit in 3,000, a third does not

        host.receive(PEER, List.of(append, append, append));
        assertThat(host.droppedEnvelopes()).isEqualTo(1);

        runLoop();
        host.receive(PEER, List.of(append, append));
        assertThat(host.droppedEnvelopes()).as("room again once a round stepped them").isEqualTo(1);

        runLoop();
        host.receive(PEER, List.of(append(5_000)));
        assertThat(host.droppedEnvelopes()).as("an empty buffer takes any envelope").isEqualTo(1);
    }

    @Test
    void readsPastThePendingBytesAreOverloadedUntilTheWaitingOnesAreServed() {
        GroupHost host = host(HostOptions.defaults().withBufferBounds(100, 64 << 20, 1_000));
        host.addGroup(GROUP, Membership.of(SELF), new NoState(), 1);
        awaitLeadership(host);
        List<Object> outcomes = new ArrayList<>();

        // Each read counts its 400-byte request and 64 bytes of overhead: two fit in 1,000.
        assertThat(host.read(GROUP, 400, outcomes::add)).isInstanceOf(ReadResult.Queued.class);
        assertThat(host.read(GROUP, 400, outcomes::add)).isInstanceOf(ReadResult.Queued.class);
        assertThat(host.read(GROUP, 400, outcomes::add))
                .isEqualTo(
                        new Rejection.Overloaded(
                                "pending reads: 928 bytes and 464 more would pass 1000"));

        runLoop();
        assertThat(outcomes).hasSize(2).allMatch(ReadOutcome.Confirmed.class::isInstance);
        assertThat(host.read(GROUP, 400, outcomes::add)).isInstanceOf(ReadResult.Queued.class);
    }

    private GroupHost host(HostOptions options) {
        return new GroupHost(
                SELF,
                options,
                new MemoryStorage(),
                (to, envelopes) -> {},
                loop::add,
                (where, cause) -> {
                    throw new AssertionError(where, cause);
                });
    }

    private void runLoop() {
        while (!loop.isEmpty()) {
            loop.poll().run();
        }
    }

    private void awaitLeadership(GroupHost host) {
        for (int tick = 0;
                tick < 100 && host.status(GROUP).orElseThrow().role() != Role.LEADER;
                tick++) {
            host.tick();
            runLoop();
        }
        assertThat(host.status(GROUP).orElseThrow().role()).isEqualTo(Role.LEADER);
    }

    /** An AppendEntries from the peer carrying one entry of {@code dataBytes}. */
    private static Envelope append(int dataBytes) {
        Entry entry = Entry.command(1, 1, new byte[dataBytes]);
        return new Envelope(
                GROUP, new Message.AppendEntries(PEER, SELF, 1, 0, 0, List.of(entry), 0));
    }

    private static final class NoState implements StateMachine {
        @Override
        public Object apply(long index, byte[] command) {
            return null;
        }

        @Override
        public byte[] snapshot() {
            return new byte[0];
        }

        @Override
        public void restore(byte[] snapshot) {}
    }
}
