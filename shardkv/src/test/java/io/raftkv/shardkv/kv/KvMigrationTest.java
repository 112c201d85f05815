package io.raftkv.shardkv.kv;

import static io.raftkv.shardkv.kv.KvRaftLabTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Shard migration in {@link KvStateMachine}, without a simulator: the state machines of groups 100,
 * 101 and 102 apply the same configs, and each test moves shards between them by hand exactly as
 * the migration driver would (the new owner's {@link MigrationView}, then {@link KvQuery.Pull} at
 * the old owner, {@link KvCommand.InsertChunk} at the new one, {@link KvCommand.DeleteShard} at the
 * old one, {@link KvCommand.ShardNotified} at the new one).
 *
 * <p>Covers: a handoff in small chunks carrying every key and the sessions (retries stay exactly
 * once); stale, early, repeated and out-of-order migration requests; configs taken one number at a
 * time, and only once every shard has settled; which shards are served during a migration; RETAINED
 * shards when every group leaves; snapshots taken mid-migration; malformed input.
 */
class KvMigrationTest {
    private static final int SHARDS = 4;
    private static final int SMALL_CHUNK = 64;
    private static final GroupId NONE = ShardConfig.UNASSIGNED;
    private static final GroupId A = GroupId.of(100);
    private static final GroupId B = GroupId.of(101);
    private static final KvResult OK = new KvResult.Ok();

    private final Group a = new Group(A);
    private final Group b = new Group(B);
    private final Group c = new Group(GroupId.of(102));
    private ShardConfig latest = ShardConfig.initial(SHARDS);

    /** One group's state machine, fed commands at increasing log indexes. */
    private static final class Group {
        final GroupId id;
        final KvStateMachine machine;
        long index;

        Group(GroupId id) {
            this.id = id;
            this.machine = new KvStateMachine(id, SHARDS);
        }

        KvResult apply(KvCommand command) {
            return applyBytes(KvCodec.encode(command));
        }

        KvResult applyBytes(byte[] command) {
            return KvCodec.decodeResult((byte[]) machine.apply(++index, command));
        }

        KvResult query(KvQuery query) {
            return KvCodec.decodeResult(machine.query(KvCodec.encode(query)));
        }

        KvResult install(ShardConfig config) {
            return apply(new KvCommand.InstallConfig(config));
        }

        KvResult register(long clientId, int shard) {
            return apply(new KvCommand.RegisterSession(clientId, shard));
        }

        KvResult put(long clientId, long sequence, String key, String value) {
            return apply(
                    new KvCommand.Write(
                            clientId, sequence, new KvOp.Put(bytes(key), bytes(value))));
        }

        KvResult get(String key) {
            return query(new KvQuery.Read(new KvOp.Get(bytes(key))));
        }

        KvResult pull(long configNumber, int shard, Key after, int bytesMax) {
            return query(new KvQuery.Pull(configNumber, shard, after, bytesMax));
        }

        ShardStatus status(int shard) {
            return machine.shardStatuses().get(shard);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<Member> members(GroupId group) {
        return List.of(new Member(NodeId.of(group.value()), "g" + group.value() + ":7000"));
    }

    /** The config after the latest, giving shard i to {@code owners[i]}. */
    private ShardConfig next(GroupId... owners) {
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>();
        for (GroupId owner : owners) {
            if (!owner.equals(NONE)) {
                groups.put(owner, members(owner));
            }
        }
        latest = latest.next(List.of(owners), groups);
        return latest;
    }

    /** Makes the next config and installs it in all three groups, which must take it. */
    private void advance(GroupId... owners) {
        ShardConfig config = next(owners);
        for (Group group : List.of(a, b, c)) {
            assertThat(group.install(config)).as("%s takes it", group.id).isEqualTo(OK);
        }
    }

    /** {@code count} distinct keys of {@code shard}. */
    private static List<String> keysOf(int shard, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            if (Shards.of(bytes("key-" + i), SHARDS) == shard) {
                keys.add("key-" + i);
            }
        }
        return keys;
    }

    /** Client {@code clientId} writes {@code count} keys of {@code shard}, sequences 1..count. */
    private static TreeMap<String, String> fill(Group group, int shard, int count, long clientId) {
        assertThat(group.register(clientId, shard)).isEqualTo(OK);
        TreeMap<String, String> written = new TreeMap<>();
        long sequence = 0;
        for (String key : keysOf(shard, count)) {
            assertThat(group.put(clientId, ++sequence, key, "value of " + key)).isEqualTo(OK);
            written.put(key, "value of " + key);
        }
        return written;
    }

    private static byte[] value(KvResult result) {
        assertThat(result).isInstanceOf(KvResult.Value.class);
        return ((KvResult.Value) result).value();
    }

    private static ShardChunk chunk(KvResult result) {
        assertThat(result).isInstanceOf(KvResult.Chunk.class);
        return ((KvResult.Chunk) result).chunk();
    }

    private static void assertServes(Group group, Map<String, String> data) {
        data.forEach((key, v) -> assertThat(value(group.get(key))).as(key).isEqualTo(bytes(v)));
    }

    private static Map<Integer, ShardStatus> allShards(ShardStatus status) {
        return IntStream.range(0, SHARDS).boxed().collect(Collectors.toMap(s -> s, s -> status));
    }

    /** One driver step at {@code to}: pulls the next chunk of {@code shard} and inserts it. */
    private static ShardChunk pullNext(Group from, Group to, int shard, int bytesMax) {
        MigrationView view = to.machine.migrationView();
        MigrationView.Transfer transfer =
                view.pulls().stream().filter(t -> t.shard() == shard).findFirst().orElseThrow();
        assertThat(transfer.source()).isEqualTo(from.id);
        ShardChunk chunk = chunk(from.pull(view.configNumber(), shard, transfer.after(), bytesMax));
        assertThat(to.apply(new KvCommand.InsertChunk(view.configNumber(), shard, chunk)))
                .isEqualTo(OK);
        return chunk;
    }

    /** Pulls the rest of {@code shard}; returns the number of chunks it took. */
    private static int copy(Group from, Group to, int shard, int bytesMax) {
        int chunks = 1;
        while (!pullNext(from, to, shard, bytesMax).last()) {
            chunks++;
        }
        assertThat(to.status(shard)).isEqualTo(ShardStatus.NOTIFYING);
        return chunks;
    }

    /** The driver's last steps: the old owner deletes its copy, then the new owner settles. */
    private static void settle(Group from, Group to, int shard) {
        MigrationView view = to.machine.migrationView();
        assertThat(view.notifies()).extracting(MigrationView.Transfer::shard).contains(shard);
        assertThat(from.apply(new KvCommand.DeleteShard(view.configNumber(), shard))).isEqualTo(OK);
        assertThat(from.status(shard)).as("deleted at the old owner").isNull();
        assertThat(to.apply(new KvCommand.ShardNotified(view.configNumber(), shard))).isEqualTo(OK);
        assertThat(to.status(shard)).isEqualTo(ShardStatus.SERVING);
    }

    /** A fresh state machine of the same group restored from {@code group}'s snapshot. */
    private static Group restored(Group group) {
        Group copy = new Group(group.id);
        copy.machine.restore(group.machine.snapshot());
        copy.index = group.index;
        assertThat(copy.machine.snapshot()).isEqualTo(group.machine.snapshot());
        assertThat(copy.machine.shardStatuses()).isEqualTo(group.machine.shardStatuses());
        assertThat(copy.machine.migrationView()).isEqualTo(group.machine.migrationView());
        return copy;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void aHandoffInSmallChunksMovesEveryKeyAndTheSessionsAndFreesTheOldCopy() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 40, 1);
        String key = data.firstKey();
        KvCommand.Write append = new KvCommand.Write(7, 1, new KvOp.Append(bytes(key), bytes("!")));
        assertThat(a.register(7, 0)).isEqualTo(OK);
        assertThat(a.apply(append)).isEqualTo(OK);
        data.put(key, data.get(key) + "!");
        long shardBytes = a.machine.storedBytes(); // all of it in shard 0
        int snapshotBefore = a.machine.snapshot().length;

        advance(B, A, A, A);
        assertThat(a.machine.shardStatuses())
                .containsEntry(0, ShardStatus.HANDING_OFF)
                .containsEntry(1, ShardStatus.SERVING);
        assertThat(b.machine.shardStatuses()).isEqualTo(Map.of(0, ShardStatus.PULLING));

        assertThat(copy(a, b, 0, SMALL_CHUNK)).as("chunks").isGreaterThanOrEqualTo(10);
        assertThat(b.get(key))
                .as("not served before the old owner makes the handoff final")
                .isEqualTo(new KvResult.WrongGroup(0));
        settle(a, b, 0);
        assertServes(b, data);
        assertThat(b.machine.storedBytes()).isEqualTo(shardBytes);
        assertThat(b.apply(append)).as("the retry answers as before").isEqualTo(OK);
        assertThat(value(b.get(key))).as("applied once").isEqualTo(bytes(data.get(key)));
        assertThat(b.put(1, 39, key, "stale")).isEqualTo(new KvResult.SessionExpired());
        assertThat(b.put(8, 1, key, "unknown")).isEqualTo(new KvResult.SessionExpired());
        assertThat(b.put(1, 41, key, "next")).isEqualTo(OK);
        assertThat(value(b.get(key))).isEqualTo(bytes("next"));

        assertThat(a.machine.storedBytes()).isZero();
        assertThat(a.machine.get(bytes(key))).as("dropped from the store").isNull();
        assertThat(a.machine.snapshot().length).isLessThan(snapshotBefore - (int) shardBytes);
        assertThat(b.machine.migrationView().settled()).isTrue();
    }

    @Test
    void staleEarlyRepeatedAndOutOfOrderMigrationRequestsChangeNothing() {
        advance(A, A, A, A);
        fill(a, 0, 20, 1);
        advance(B, A, A, A);
        long heldBytes = a.machine.storedBytes();
        KvResult wrong = new KvResult.WrongConfig(2);
        assertThat(a.pull(1, 0, null, SMALL_CHUNK)).as("stale").isEqualTo(wrong);
        assertThat(a.pull(3, 0, null, SMALL_CHUNK)).as("early").isEqualTo(wrong);
        assertThat(a.pull(2, 1, null, SMALL_CHUNK)).as("a shard A keeps").isEqualTo(wrong);
        assertThat(b.pull(2, 0, null, SMALL_CHUNK)).as("asking the new owner").isEqualTo(wrong);

        ShardChunk first = chunk(a.pull(2, 0, null, SMALL_CHUNK));
        ShardChunk second = chunk(a.pull(2, 0, first.nextAfter(), SMALL_CHUNK));
        ShardChunk third = chunk(a.pull(2, 0, second.nextAfter(), SMALL_CHUNK));
        assertThat(second.last()).isFalse();
        byte[] empty = b.machine.snapshot();
        assertThat(b.apply(new KvCommand.InsertChunk(1, 0, first))).isEqualTo(wrong);
        assertThat(b.apply(new KvCommand.InsertChunk(3, 0, first))).isEqualTo(wrong);
        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, second))).isEqualTo(OK);
        assertThat(b.machine.snapshot()).as("nothing inserted yet").isEqualTo(empty);

        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, first))).isEqualTo(OK);
        byte[] afterFirst = b.machine.snapshot();
        assertThat(afterFirst).isNotEqualTo(empty);
        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, first))).isEqualTo(OK);
        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, third))).isEqualTo(OK);
        assertThat(b.machine.snapshot()).as("repeat and gap ignored").isEqualTo(afterFirst);
        assertThat(b.machine.migrationView().pulls().getFirst().after())
                .isEqualTo(first.nextAfter());

        assertThat(a.apply(new KvCommand.DeleteShard(3, 0))).isEqualTo(wrong);
        assertThat(a.apply(new KvCommand.DeleteShard(1, 0))).as("stale").isEqualTo(OK);
        assertThat(a.status(0)).isEqualTo(ShardStatus.HANDING_OFF);
        assertThat(a.machine.storedBytes()).isEqualTo(heldBytes);

        copy(a, b, 0, SMALL_CHUNK);
        byte[] complete = b.machine.snapshot();
        assertThat(b.apply(new KvCommand.InsertChunk(2, 0, first))).isEqualTo(OK);
        assertThat(b.apply(new KvCommand.ShardNotified(1, 0))).isEqualTo(OK);
        assertThat(b.apply(new KvCommand.ShardNotified(3, 0))).isEqualTo(OK);
        assertThat(b.status(0)).isEqualTo(ShardStatus.NOTIFYING);
        assertThat(b.machine.snapshot()).isEqualTo(complete);
    }

    @Test
    void configsAreTakenOneNumberAtATimeWithTheSameShardCount() {
        ShardConfig first = next(A, A, NONE, NONE);
        ShardConfig second = next(A, B, NONE, NONE);
        ShardConfig third = next(A, B, B, NONE);
        assertThat(a.install(second)).as("skipping 1").isEqualTo(new KvResult.WrongConfig(0));
        assertThat(a.install(first)).isEqualTo(OK);
        assertThat(a.machine.shardStatuses())
                .as("never owned before: served empty at once")
                .isEqualTo(Map.of(0, ShardStatus.SERVING, 1, ShardStatus.SERVING));
        assertThat(a.install(first)).as("again").isEqualTo(new KvResult.WrongConfig(1));
        assertThat(a.install(third)).as("skipping 2").isEqualTo(new KvResult.WrongConfig(1));
        ShardConfig wider =
                new ShardConfig(2, Collections.nCopies(SHARDS + 1, NONE), new TreeMap<>());
        assertThat(a.install(wider)).as("5 shards").isEqualTo(new KvResult.WrongConfig(1));
        assertThat(a.machine.configNumber()).isEqualTo(1);
        assertThat(a.install(second)).isEqualTo(OK);
        assertThat(a.machine.configNumber()).isEqualTo(2);
    }

    @Test
    void theNextConfigWaitsUntilEveryShardHasSettled() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 10, 1);
        ShardConfig second = next(B, A, A, A);
        ShardConfig third = next(B, A, A, A);
        KvResult wrong = new KvResult.WrongConfig(2);
        assertThat(a.install(second)).isEqualTo(OK);
        assertThat(b.install(second)).isEqualTo(OK);
        assertThat(a.install(third)).as("while HANDING_OFF").isEqualTo(wrong);
        assertThat(b.install(third)).as("while PULLING").isEqualTo(wrong);
        assertThat(a.machine.migrationView().settled()).isFalse();
        assertThat(b.machine.migrationView().settled()).isFalse();

        copy(a, b, 0, SMALL_CHUNK);
        assertThat(b.install(third)).as("while NOTIFYING").isEqualTo(wrong);
        assertThat(a.apply(new KvCommand.DeleteShard(2, 0))).isEqualTo(OK);
        assertThat(a.install(third)).isEqualTo(OK);
        assertThat(b.install(third)).as("still NOTIFYING").isEqualTo(wrong);
        assertThat(b.apply(new KvCommand.ShardNotified(2, 0))).isEqualTo(OK);
        assertThat(b.machine.migrationView().settled()).isTrue();
        assertThat(b.install(third)).isEqualTo(OK);
        assertThat(b.machine.shardStatuses()).isEqualTo(Map.of(0, ShardStatus.SERVING));
        assertServes(b, data);
    }

    @Test
    void aShardInTransitIsFrozenAtBothGroupsWhileShardsThatStayKeepServing() {
        advance(A, A, B, B);
        TreeMap<String, String> moving = fill(a, 0, 20, 1);
        TreeMap<String, String> staying = fill(a, 1, 5, 2);
        TreeMap<String, String> elsewhere = fill(b, 2, 5, 3);
        advance(B, A, B, B);
        String key = moving.firstKey();
        assertThat(pullNext(a, b, 0, SMALL_CHUNK).last()).isFalse();
        for (Group group : List.of(a, b)) {
            KvResult wrongGroup = new KvResult.WrongGroup(0);
            assertThat(group.get(key)).as("read at %s", group.id).isEqualTo(wrongGroup);
            assertThat(group.put(1, 21, key, "lost"))
                    .as("write at %s", group.id)
                    .isEqualTo(wrongGroup);
            assertThat(group.register(9, 0)).as("session at %s", group.id).isEqualTo(wrongGroup);
        }
        assertThat(b.status(0)).isEqualTo(ShardStatus.PULLING);
        assertThat(a.put(2, 6, staying.firstKey(), "new")).isEqualTo(OK);
        assertThat(value(a.get(staying.firstKey()))).isEqualTo(bytes("new"));
        assertThat(b.put(3, 6, elsewhere.firstKey(), "new")).isEqualTo(OK);
        assertThat(value(b.get(elsewhere.firstKey()))).isEqualTo(bytes("new"));

        copy(a, b, 0, SMALL_CHUNK);
        assertThat(b.get(key)).as("NOTIFYING").isEqualTo(new KvResult.WrongGroup(0));
        assertThat(b.put(1, 21, key, "lost")).isEqualTo(new KvResult.WrongGroup(0));
        settle(a, b, 0);
        assertServes(b, moving); // the refused writes did not land anywhere
        assertThat(b.put(1, 21, key, "served once settled")).isEqualTo(OK);
        assertThat(b.register(9, 0)).isEqualTo(OK);
        assertThat(a.get(key)).isEqualTo(new KvResult.WrongGroup(0));
    }

    @Test
    void shardsLeftUnassignedAreRetainedAndComeBackToTheSameGroupWithTheirData() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 10, 1);
        data.putAll(fill(a, 1, 10, 2));
        long stored = a.machine.storedBytes();
        String key = data.firstKey();
        int shard = Shards.of(bytes(key), SHARDS);

        advance(NONE, NONE, NONE, NONE);
        assertThat(a.machine.shardStatuses()).isEqualTo(allShards(ShardStatus.RETAINED));
        assertThat(a.get(key)).isEqualTo(new KvResult.WrongGroup(shard));
        assertThat(a.put(9, 1, key, "x")).isEqualTo(new KvResult.WrongGroup(shard));
        assertThat(a.register(9, 1)).isEqualTo(new KvResult.WrongGroup(1));
        assertThat(a.machine.storedBytes()).isEqualTo(stored);
        assertThat(a.machine.migrationView().settled()).isTrue();
        assertThat(b.machine.shardStatuses()).isEmpty();

        advance(NONE, NONE, NONE, NONE);
        assertThat(a.machine.shardStatuses()).isEqualTo(allShards(ShardStatus.RETAINED));
        advance(A, A, A, A);
        assertThat(a.machine.shardStatuses()).isEqualTo(allShards(ShardStatus.SERVING));
        assertThat(a.machine.migrationView().pulls()).isEmpty();
        assertServes(a, data);
        assertThat(a.put(1, 11, keysOf(0, 1).getFirst(), "x")).isEqualTo(OK);
    }

    @Test
    void aRetainedShardIsPulledFromTheGroupThatKeptItByTheNextGroupGivenIt() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 20, 1);
        data.putAll(fill(a, 3, 5, 2));
        advance(NONE, NONE, NONE, NONE);
        advance(B, B, B, B); // B joins; A, retaining everything, is in no config any more
        assertThat(a.machine.shardStatuses()).isEqualTo(allShards(ShardStatus.HANDING_OFF));
        assertThat(b.machine.shardStatuses()).isEqualTo(allShards(ShardStatus.PULLING));
        assertThat(b.machine.migrationView().pulls())
                .hasSize(SHARDS)
                .allSatisfy(
                        pull -> {
                            assertThat(pull.source()).isEqualTo(A);
                            assertThat(pull.members()).isEqualTo(members(A));
                        });
        assertThat(c.machine.shardStatuses()).isEmpty();

        for (int shard = 0; shard < SHARDS; shard++) {
            copy(a, b, shard, SMALL_CHUNK);
            settle(a, b, shard);
        }
        assertServes(b, data);
        assertThat(b.put(1, 21, keysOf(0, 1).getFirst(), "x")).isEqualTo(OK);
        assertThat(a.machine.shardStatuses()).isEmpty();
        assertThat(a.machine.storedBytes()).isZero();
    }

    @Test
    void aShardThatComesBackIsPulledAgainWithoutTheKeysDeletedWhileAway() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 10, 1);
        advance(B, A, A, A);
        copy(a, b, 0, SMALL_CHUNK);
        settle(a, b, 0);
        String gone = data.firstKey();
        KvOp delete = new KvOp.Delete(bytes(gone));
        assertThat(b.apply(new KvCommand.Write(1, 11, delete))).isEqualTo(OK);
        data.remove(gone);

        advance(A, A, A, A);
        assertThat(b.status(0)).isEqualTo(ShardStatus.HANDING_OFF);
        copy(b, a, 0, SMALL_CHUNK);
        settle(b, a, 0);
        assertServes(a, data);
        assertThat(value(a.get(gone))).as("no stale copy comes back").isNull();
        assertThat(a.put(1, 12, gone, "again")).isEqualTo(OK);
    }

    @Test
    void aSnapshotTakenMidMigrationRestoresIdenticallyAndTheMigrationCompletes() {
        advance(A, A, A, A);
        TreeMap<String, String> data = fill(a, 0, 30, 1);
        advance(B, A, A, A);
        pullNext(a, b, 0, SMALL_CHUNK);
        pullNext(a, b, 0, SMALL_CHUNK);
        assertThat(b.status(0)).isEqualTo(ShardStatus.PULLING);
        assertThat(b.machine.migrationView().pulls().getFirst().after()).isNotNull();

        Group oldOwner = restored(a);
        Group newOwner = restored(b);
        assertThat(oldOwner.status(0)).isEqualTo(ShardStatus.HANDING_OFF);
        copy(oldOwner, newOwner, 0, SMALL_CHUNK);
        settle(oldOwner, newOwner, 0);
        assertServes(newOwner, data);
        assertThat(oldOwner.machine.storedBytes()).isZero();

        copy(a, b, 0, SMALL_CHUNK);
        settle(a, b, 0);
        assertThat(newOwner.machine.snapshot())
                .as("as if never restored")
                .isEqualTo(b.machine.snapshot());
        assertThat(oldOwner.machine.snapshot()).isEqualTo(a.machine.snapshot());
    }

    @Test
    void malformedMigrationInputsGetMalformedAnswersNotExceptions() {
        advance(A, A, A, A);
        fill(a, 0, 10, 1);
        advance(B, A, A, A);
        ShardChunk whole = chunk(a.pull(2, 0, null, 1 << 20));
        assertThat(whole.last()).isTrue();
        byte[] insert = KvCodec.encode(new KvCommand.InsertChunk(2, 0, whole));
        byte[] before = b.machine.snapshot();
        assertThat(b.machine.isValidCommand(insert)).isTrue();
        for (int length = 0; length < insert.length; length++) {
            byte[] truncated = Arrays.copyOf(insert, length);
            assertThat(b.machine.isValidCommand(truncated)).as("%d bytes", length).isFalse();
            assertThat(b.applyBytes(truncated)).isInstanceOf(KvResult.Malformed.class);
        }
        byte[] emptyButNotLast =
                KvCodec.encode(
                        new KvCommand.InsertChunk(
                                2, 0, new ShardChunk(null, List.of(), true, new SessionTable())));
        emptyButNotLast[emptyButNotLast.length - 5] = 0; // the last flag, before 0 sessions
        assertThat(b.machine.isValidCommand(emptyButNotLast)).isFalse();
        assertThat(b.applyBytes(emptyButNotLast)).isInstanceOf(KvResult.Malformed.class);
        assertThat(b.machine.snapshot()).as("nothing applied").isEqualTo(before);

        byte[] pull = KvCodec.encode(new KvQuery.Pull(2, 0, null, SMALL_CHUNK));
        assertThat(chunk(KvCodec.decodeResult(a.machine.query(pull))).last()).isFalse();
        List<byte[]> garbage = new ArrayList<>();
        for (int length = 0; length < pull.length; length++) {
            garbage.add(Arrays.copyOf(pull, length));
        }
        garbage.add(Arrays.copyOf(pull, pull.length + 1)); // a trailing byte
        byte[] noBytes = pull.clone();
        Arrays.fill(noBytes, pull.length - 4, pull.length, (byte) 0); // bytesMax 0
        garbage.add(noBytes);
        byte[] hugeKey = pull.clone();
        Arrays.fill(hugeKey, 14, 18, (byte) 0x7f); // the after key's length
        garbage.add(hugeKey);
        Random random = new Random(7);
        for (int i = 0; i < 100; i++) {
            byte[] noise = new byte[1 + random.nextInt(30)];
            random.nextBytes(noise);
            noise[0] = 2; // not the codec's version
            garbage.add(noise);
        }
        for (byte[] query : garbage) {
            assertThat(KvCodec.decodeResult(a.machine.query(query)))
                    .as("%s", Arrays.toString(query))
                    .isInstanceOf(KvResult.Malformed.class);
        }
        assertThat(a.status(0)).isEqualTo(ShardStatus.HANDING_OFF);
    }
}
