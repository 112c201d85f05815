package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 in {@link KvStateMachine}, without a simulator: a shard handed to a group that leaves
 * before confirming it has the shard is taken back by its source ({@link KvCommand.ReclaimShard}).
 * The source's log decides between the receiver's confirmation ({@link KvCommand.DeleteShard}) and
 * the reclaim, so exactly one of them serves the shard afterwards; the loser of a reclaim drops its
 * copy ({@link KvCommand.AbandonShard}); and the next owner, which would look for the shard at the
 * group that never got it, is told where it is ({@link KvCommand.PullFrom}).
 */
class KvReclaimTest {
    private static final int SHARDS = 4;
    private static final int CHUNK = 64;
    private static final GroupId A = GroupId.of(100);
    private static final GroupId B = GroupId.of(101);
    private static final GroupId C = GroupId.of(102);
    private static final KvResult OK = new KvResult.Ok();
    private static final KvResult RECLAIMED = new KvResult.Reclaimed();

    private final Group a = new Group(A);
    private final Group b = new Group(B);
    private final Group c = new Group(C);
    private ShardConfig latest = ShardConfig.initial(SHARDS);

    /** One group's state machine, fed commands at increasing log indexes. */
    private static final class Group {
        final GroupId id;
        KvStateMachine machine;
        long index;

        Group(GroupId id) {
            this.id = id;
            this.machine = new KvStateMachine(id, SHARDS);
        }

        KvResult apply(KvCommand command) {
            return KvCodec.decodeResult((byte[]) machine.apply(++index, KvCodec.encode(command)));
        }

        KvResult query(KvQuery query) {
            return KvCodec.decodeResult(machine.query(KvCodec.encode(query)));
        }

        KvResult get(String key) {
            return query(new KvQuery.Read(new KvOp.Get(bytes(key))));
        }

        KvResult put(long clientId, long sequence, String key, String value) {
            return apply(
                    new KvCommand.Write(
                            clientId, sequence, new KvOp.Put(bytes(key), bytes(value))));
        }

        ShardStatus status(int shard) {
            return machine.shardStatuses().get(shard);
        }

        /** Replaces the state machine with one restored from its snapshot. */
        void restart() {
            byte[] snapshot = machine.snapshot();
            machine = new KvStateMachine(id, SHARDS);
            machine.restore(snapshot);
            assertThat(machine.snapshot()).isEqualTo(snapshot);
        }
    }

    private static List<Member> members(GroupId group) {
        return List.of(new Member(NodeId.of(group.value()), "g" + group.value() + ":7000"));
    }

    /** The config after the latest, giving shard i to {@code owners[i]}. */
    private ShardConfig next(GroupId... owners) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        for (GroupId owner : owners) {
            groups.put(owner, members(owner));
        }
        latest = latest.next(List.of(owners), groups);
        return latest;
    }

    /** Makes the next config and installs it in {@code groups}, which must take it. */
    private void advance(List<Group> groups, GroupId... owners) {
        ShardConfig config = next(owners);
        for (Group group : groups) {
            assertThat(group.apply(new KvCommand.InstallConfig(config)))
                    .as("%s takes config %d", group.id, config.number())
                    .isEqualTo(OK);
        }
    }

    /** {@code count} keys of shard 0 written at {@code group} by client 1. */
    private static TreeMap<String, String> fillShardZero(Group group, int count) {
        assertThat(group.apply(new KvCommand.RegisterSession(1, 0))).isEqualTo(OK);
        TreeMap<String, String> written = new TreeMap<>();
        for (int i = 0; written.size() < count; i++) {
            String key = "key-" + i;
            if (Shards.of(bytes(key), SHARDS) == 0) {
                assertThat(group.put(1, written.size() + 1, key, "v" + i)).isEqualTo(OK);
                written.put(key, "v" + i);
            }
        }
        return written;
    }

    /** One driver step at {@code to}: pulls the next chunk of shard 0 from {@code from}. */
    private static ShardChunk pullNext(Group from, Group to) {
        MigrationView view = to.machine.migrationView();
        MigrationView.Transfer transfer = view.pulls().getFirst();
        assertThat(transfer.source()).isEqualTo(from.id);
        KvResult result =
                from.query(new KvQuery.Pull(view.configNumber(), 0, transfer.after(), CHUNK));
        assertThat(result).isInstanceOf(KvResult.Chunk.class);
        ShardChunk chunk = ((KvResult.Chunk) result).chunk();
        assertThat(to.apply(new KvCommand.InsertChunk(view.configNumber(), 0, chunk)))
                .isEqualTo(OK);
        return chunk;
    }

    private static void copy(Group from, Group to) {
        while (!pullNext(from, to).last()) {}
        assertThat(to.status(0)).isEqualTo(ShardStatus.NOTIFYING);
    }

    private static void settle(Group from, Group to, long configNumber) {
        assertThat(from.apply(new KvCommand.DeleteShard(configNumber, 0))).isEqualTo(OK);
        assertThat(to.apply(new KvCommand.ShardNotified(configNumber, 0))).isEqualTo(OK);
        assertThat(to.status(0)).isEqualTo(ShardStatus.SERVING);
    }

    private static void assertServes(Group group, Map<String, String> data) {
        data.forEach(
                (key, value) -> {
                    KvResult result = group.get(key);
                    assertThat(result).as(key).isInstanceOf(KvResult.Value.class);
                    assertThat(((KvResult.Value) result).value()).as(key).isEqualTo(bytes(value));
                });
    }

    private static void assertServesNothingOf(Group group, Map<String, String> data) {
        data.keySet()
                .forEach(key -> assertThat(group.get(key)).isEqualTo(new KvResult.WrongGroup(0)));
    }

    @Test
    void aReclaimLoggedBeforeTheConfirmationWinsAndTheReceiverNeverServesItsCopy() {
        advance(List.of(a, b), A, A, A, A);
        TreeMap<String, String> data = fillShardZero(a, 20);
        advance(List.of(a, b), B, A, A, A);
        copy(a, b);
        assertServesNothingOf(b, data);
        assertThat(b.apply(new KvCommand.AbandonShard(2, 0, false)))
                .as("a complete copy is dropped only on the source's word")
                .isEqualTo(OK);
        assertThat(b.status(0)).isEqualTo(ShardStatus.NOTIFYING);

        assertThat(a.apply(new KvCommand.ReclaimShard(2, 0))).isEqualTo(OK);
        assertThat(a.status(0)).isEqualTo(ShardStatus.RETAINED);
        assertThat(a.machine.migrationView().settled()).isTrue();
        a.restart();
        assertThat(a.apply(new KvCommand.DeleteShard(2, 0))).as("too late").isEqualTo(RECLAIMED);
        assertThat(a.query(new KvQuery.Pull(2, 0, null, CHUNK))).isEqualTo(RECLAIMED);
        assertServesNothingOf(a, data);
        assertServesNothingOf(b, data);

        assertThat(b.apply(new KvCommand.AbandonShard(2, 0, true))).isEqualTo(OK);
        assertThat(b.machine.shardStatuses()).isEmpty();
        assertThat(b.machine.storedBytes()).isZero();
        advance(List.of(a, b), A, A, A, A); // B leaves
        assertServes(a, data);
        assertThat(a.put(1, 21, data.firstKey(), "after")).as("sessions kept").isEqualTo(OK);
        assertThat(a.put(1, 20, data.firstKey(), "stale")).isEqualTo(new KvResult.SessionExpired());
        assertThat(a.apply(new KvCommand.DeleteShard(2, 0)))
                .as("a retry, however late")
                .isEqualTo(RECLAIMED);
        assertThat(a.status(0)).isEqualTo(ShardStatus.SERVING);
    }

    @Test
    void aConfirmationLoggedBeforeTheReclaimIsFinalAndTheReclaimChangesNothing() {
        advance(List.of(a, b), A, A, A, A);
        TreeMap<String, String> data = fillShardZero(a, 20);
        advance(List.of(a, b), B, A, A, A);
        copy(a, b);
        assertThat(a.apply(new KvCommand.DeleteShard(2, 0))).isEqualTo(OK);
        byte[] before = a.machine.snapshot();
        assertThat(a.apply(new KvCommand.ReclaimShard(2, 0))).isEqualTo(OK);
        assertThat(a.machine.snapshot()).as("nothing to take back").isEqualTo(before);
        assertThat(a.apply(new KvCommand.DeleteShard(2, 0))).as("a retry").isEqualTo(OK);
        assertThat(b.apply(new KvCommand.ShardNotified(2, 0))).isEqualTo(OK);
        assertServes(b, data);
        assertThat(b.apply(new KvCommand.AbandonShard(2, 0, true))).isEqualTo(OK);
        assertThat(b.status(0))
                .as("a served shard is never abandoned")
                .isEqualTo(ShardStatus.SERVING);
    }

    @Test
    void theNextOwnerOfAReclaimedShardIsToldToPullItFromTheGroupThatKeptIt() {
        advance(List.of(a, c), A, A, A, A);
        TreeMap<String, String> data = fillShardZero(a, 20);
        advance(List.of(a, c), B, A, A, A); // B never comes up
        assertThat(a.machine.migrationView().handoffs())
                .containsExactly(new MigrationView.Handoff(0, B, members(B), false));
        assertThat(a.apply(new KvCommand.ReclaimShard(2, 0))).isEqualTo(OK);
        advance(List.of(a, c), C, A, A, A); // B leaves, C gets shard 0
        assertThat(a.machine.migrationView().handoffs())
                .containsExactly(new MigrationView.Handoff(0, C, members(C), true));
        assertThat(c.machine.migrationView().pulls().getFirst().source())
                .as("the last owner the configs name")
                .isEqualTo(B);
        assertThat(c.apply(new KvCommand.PullFrom(4, 0, A, members(A))))
                .as("early")
                .isEqualTo(new KvResult.WrongConfig(3));

        assertThat(c.apply(new KvCommand.PullFrom(3, 0, A, members(A)))).isEqualTo(OK);
        MigrationView.Transfer pull = c.machine.migrationView().pulls().getFirst();
        assertThat(pull.source()).isEqualTo(A);
        assertThat(pull.members()).isEqualTo(members(A));
        c.restart();
        pullNext(a, c);
        assertThat(c.apply(new KvCommand.PullFrom(3, 0, B, members(B)))).isEqualTo(OK);
        assertThat(c.machine.migrationView().pulls().getFirst().source())
                .as("not switched once a chunk came in")
                .isEqualTo(A);
        copy(a, c);
        settle(a, c, 3);
        assertServes(c, data);
        assertThat(a.machine.shardStatuses()).doesNotContainKey(0);
    }

    @Test
    void aReceiverWhosePullWasReclaimedWaitsToBeToldWhereTheShardIsWhenGivenItAgain() {
        advance(List.of(a, b), A, A, A, A);
        TreeMap<String, String> data = fillShardZero(a, 20);
        advance(List.of(a, b), B, A, A, A);
        assertThat(pullNext(a, b).last()).isFalse();
        assertThat(a.apply(new KvCommand.ReclaimShard(2, 0))).isEqualTo(OK);
        assertThat(a.query(new KvQuery.Pull(2, 0, null, CHUNK))).isEqualTo(RECLAIMED);
        assertThat(b.apply(new KvCommand.AbandonShard(2, 0, true))).isEqualTo(OK);
        assertThat(b.machine.shardStatuses()).isEmpty();
        assertThat(b.machine.migrationView().settled()).isTrue();

        advance(List.of(a, b), B, A, A, B); // B keeps shard 0 and gets shard 3
        assertThat(b.status(0)).isEqualTo(ShardStatus.PULLING);
        assertThat(b.machine.migrationView().pulls())
                .as("the configs name B itself as last owner of shard 0: it waits to be told")
                .containsExactly(
                        new MigrationView.Transfer(0, null, List.of(), null),
                        new MigrationView.Transfer(3, A, members(A), null));
        assertThat(a.machine.migrationView().handoffs())
                .containsExactly(
                        new MigrationView.Handoff(0, B, members(B), true),
                        new MigrationView.Handoff(3, B, members(B), false));
        assertThat(b.apply(new KvCommand.PullFrom(3, 0, A, members(A)))).isEqualTo(OK);
        copy(a, b);
        settle(a, b, 3);
        assertServes(b, data);
    }

    @Test
    void aReceiverThatLeftDropsAShardStillPullingAndItsSourceTakesItBack() {
        advance(List.of(a, b), A, A, A, A);
        TreeMap<String, String> data = fillShardZero(a, 20);
        advance(List.of(a, b), B, A, A, A);
        assertThat(pullNext(a, b).last()).isFalse();
        assertThat(b.apply(new KvCommand.AbandonShard(2, 0, false))).isEqualTo(OK);
        assertThat(b.machine.shardStatuses()).isEmpty();
        assertThat(b.machine.storedBytes()).isZero();
        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, chunkOf(a, 2))))
                .as("a late chunk")
                .isEqualTo(OK);
        assertThat(b.machine.shardStatuses()).isEmpty();

        assertThat(a.apply(new KvCommand.ReclaimShard(2, 0))).isEqualTo(OK);
        advance(List.of(a, b), A, A, A, A);
        assertServes(a, data);
    }

    private static ShardChunk chunkOf(Group from, long configNumber) {
        KvResult result = from.query(new KvQuery.Pull(configNumber, 0, null, CHUNK));
        assertThat(result).isInstanceOf(KvResult.Chunk.class);
        return ((KvResult.Chunk) result).chunk();
    }
}
