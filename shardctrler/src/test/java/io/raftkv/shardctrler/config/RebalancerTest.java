package io.raftkv.shardctrler.config;

import static io.raftkv.shardctrler.config.Rebalancer.UNASSIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.GroupId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Hand-written cases of {@link Rebalancer}, including the lab's controller sequences (6.824 {@code
 * shardctrler/test_test.go}) with real minimal-move assertions. Expected owners are written out in
 * full where the exact answer matters, so they also pin the result across JVM runs.
 */
class RebalancerTest {
    private static final int LAB_SHARDS = 10;

    @Test
    void firstJoinGetsAllShards() {
        List<GroupId> initial = unassigned(LAB_SHARDS);

        List<GroupId> owners = Rebalancer.rebalance(initial, groups(1));

        assertThat(ids(owners)).isEqualTo(List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
        assertThat(Rebalancer.moves(initial, owners)).isEqualTo(LAB_SHARDS);
    }

    @Test
    void joinOfASecondGroupMovesExactlyHalfTheShards() {
        for (int shards : new int[] {2, 10, 64}) {
            List<GroupId> before = Collections.nCopies(shards, GroupId.of(1));

            List<GroupId> after = Rebalancer.rebalance(before, groups(1, 2));

            assertThat(Rebalancer.moves(before, after))
                    .as("%d shards", shards)
                    .isEqualTo(shards / 2);
            assertThat(counts(after)).containsEntry(GroupId.of(2), shards / 2);
        }
    }

    @Test
    void theFirstGroupKeepsItsLowestShardsWhenASecondJoins() {
        List<GroupId> after =
                Rebalancer.rebalance(owners(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), groups(1, 2));

        assertThat(ids(after)).isEqualTo(List.of(1, 1, 1, 1, 1, 2, 2, 2, 2, 2));
    }

    @Test
    void leaveMovesOnlyTheDepartedGroupsShards() {
        List<GroupId> before = owners(1, 1, 1, 1, 3, 2, 2, 2, 3, 3);

        List<GroupId> after = Rebalancer.rebalance(before, groups(2, 3));

        assertThat(ids(after)).isEqualTo(List.of(2, 2, 3, 3, 3, 2, 2, 2, 3, 3));
        assertThat(changedShards(before, after)).isEqualTo(List.of(0, 1, 2, 3));
    }

    @Test
    void withMoreGroupsThanShardsTheLowestIdsGetOneShardEach() {
        List<GroupId> owners = Rebalancer.rebalance(unassigned(LAB_SHARDS), range(1, 12));

        assertThat(ids(owners)).isEqualTo(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    }

    @Test
    void withMoreGroupsThanShardsGroupsThatOwnAShardKeepIt() {
        List<GroupId> before = owners(3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

        List<GroupId> after = Rebalancer.rebalance(before, range(1, 12));

        assertThat(after).isEqualTo(before);
    }

    @Test
    void withMoreGroupsThanShardsAGroupWithManyKeepsOnlyItsLowestShard() {
        List<GroupId> before = owners(0, 12, 12, 12, 0, 0, 0, 0, 0, 0);

        List<GroupId> after = Rebalancer.rebalance(before, range(1, 12));

        assertThat(ids(after)).isEqualTo(List.of(1, 12, 2, 3, 4, 5, 6, 7, 8, 9));
        assertThat(counts(after)).doesNotContainKeys(GroupId.of(10), GroupId.of(11));
    }

    @Test
    void noGroupsLeavesEveryShardUnassigned() {
        List<GroupId> before = owners(1, 2, 0, 1, 2);

        List<GroupId> after = Rebalancer.rebalance(before, groups());

        assertThat(after).containsOnly(UNASSIGNED).hasSize(5);
        assertThat(Rebalancer.moves(before, after)).isEqualTo(4);
    }

    @Test
    void aShardCountOfZeroIsAnEmptyAssignment() {
        assertThat(Rebalancer.rebalance(List.of(), groups(1, 2))).isEmpty();
    }

    @Test
    void shardsPinnedByMoveAreSpreadAgainOnTheNextJoin() {
        List<GroupId> pinned =
                owners(1, 1, 1, 1, 1, 1, 1, 1, 1, 1); // groups 1 and 2, all Moved to 1

        List<GroupId> after = Rebalancer.rebalance(pinned, groups(1, 2, 3));

        assertThat(ids(after)).isEqualTo(List.of(1, 1, 1, 1, 2, 2, 2, 3, 3, 3));
        assertThat(Rebalancer.moves(pinned, after)).isEqualTo(6);
    }

    @Test
    void theExtraShardsGoToTheGroupsThatAlreadyHoldThem() {
        // 3 shards over 2 groups: group 2 holds 2, so it keeps both and nothing moves.
        List<GroupId> before = owners(1, 2, 2);

        assertThat(Rebalancer.rebalance(before, groups(1, 2))).isEqualTo(before);
    }

    @Test
    void labBasicJoinsThenLeaves() {
        List<GroupId> config0 = unassigned(LAB_SHARDS);
        List<GroupId> config1 = Rebalancer.rebalance(config0, groups(1));
        List<GroupId> config2 = Rebalancer.rebalance(config1, groups(1, 2));
        List<GroupId> config3 = Rebalancer.rebalance(config2, groups(2));
        List<GroupId> config4 = Rebalancer.rebalance(config3, groups());

        assertThat(ids(config1)).isEqualTo(List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
        assertThat(ids(config2)).isEqualTo(List.of(1, 1, 1, 1, 1, 2, 2, 2, 2, 2));
        assertThat(ids(config3)).isEqualTo(List.of(2, 2, 2, 2, 2, 2, 2, 2, 2, 2));
        assertThat(config4).isEqualTo(config0);
        assertThat(changedShards(config2, config3)).isEqualTo(List.of(0, 1, 2, 3, 4));
    }

    /** 2024 TestMinimalAgain: the only real minimal-move assertion in the lab. */
    @Test
    void labMinimalAgainMovesOnlyWhatItMust() {
        List<GroupId> config1 =
                Rebalancer.rebalance(
                        Rebalancer.rebalance(unassigned(LAB_SHARDS), groups(1)), groups(1, 2));
        List<GroupId> config2 = Rebalancer.rebalance(config1, groups(1, 2, 3));
        List<GroupId> config3 = Rebalancer.rebalance(config2, groups(2, 3));

        assertThat(ids(config2)).isEqualTo(List.of(1, 1, 1, 1, 3, 2, 2, 2, 3, 3));
        for (int shard : changedShards(config1, config2)) {
            assertThat(config2.get(shard)).as("shard %d", shard).isEqualTo(GroupId.of(3));
        }
        for (int shard : changedShards(config2, config3)) {
            assertThat(config2.get(shard)).as("shard %d", shard).isEqualTo(GroupId.of(1));
        }
        assertThat(Rebalancer.moves(config1, config2)).isEqualTo(3);
        assertThat(Rebalancer.moves(config2, config3)).isEqualTo(4);
    }

    /** TestBasic "Concurrent leave/join", applied in one order: ends with one shard per group. */
    @Test
    void labConcurrentJoinLeaveEndsWithOneShardPerGroup() {
        List<GroupId> owners = unassigned(LAB_SHARDS);
        TreeSet<GroupId> members = new TreeSet<>();
        for (int id = 100; id <= 190; id += 10) {
            owners = apply(owners, members, List.of(id + 1000), List.of());
            owners = apply(owners, members, List.of(id), List.of());
            owners = apply(owners, members, List.of(), List.of(id + 1000));
        }

        assertThat(ids(owners))
                .containsExactlyInAnyOrder(100, 110, 120, 130, 140, 150, 160, 170, 180, 190);
    }

    /**
     * TestBasic "Minimal transfers after joins/leaves", with the groups the lab meant to check:
     * with ten one-shard groups, joining and then leaving groups 11..15 one at a time moves
     * nothing.
     */
    @Test
    void labMinimalTransfersWithMoreGroupsThanShardsMoveNothing() {
        TreeSet<GroupId> members = new TreeSet<>(range(100, 109));
        List<GroupId> config1 = Rebalancer.rebalance(unassigned(LAB_SHARDS), members);

        List<GroupId> config2 = config1;
        for (int id = 11; id <= 15; id++) {
            config2 = apply(config2, members, List.of(id), List.of());
        }
        List<GroupId> config3 = config2;
        for (int id = 11; id <= 15; id++) {
            config3 = apply(config3, members, List.of(), List.of(id));
        }

        assertThat(config2).isEqualTo(config1);
        assertThat(config3).isEqualTo(config2);
    }

    /** The same scenario with fewer groups than shards, where the check is not vacuous. */
    @Test
    void joinsMoveShardsOnlyToTheNewGroupsAndLeavesOnlyFromTheOldOnes() {
        TreeSet<GroupId> members = new TreeSet<>(range(1, 3));
        List<GroupId> config1 = Rebalancer.rebalance(unassigned(64), members);

        List<GroupId> config2 = config1;
        for (int id = 11; id <= 15; id++) {
            config2 = apply(config2, members, List.of(id), List.of());
        }
        List<GroupId> config3 = config2;
        for (int id = 11; id <= 15; id++) {
            config3 = apply(config3, members, List.of(), List.of(id));
        }

        for (int shard : changedShards(config1, config2)) {
            assertThat(config2.get(shard).value()).as("shard %d", shard).isBetween(11, 15);
        }
        for (int shard : changedShards(config2, config3)) {
            assertThat(config2.get(shard).value()).as("shard %d", shard).isBetween(11, 15);
        }
        assertThat(counts(config3).values()).containsOnly(21, 22);
    }

    /** TestMulti: several groups join and leave in one command. */
    @Test
    void labMultiGroupJoinAndLeave() {
        List<GroupId> config1 = Rebalancer.rebalance(unassigned(LAB_SHARDS), groups(1, 2));
        List<GroupId> config2 = Rebalancer.rebalance(config1, groups(1, 2, 3));
        List<GroupId> config3 = Rebalancer.rebalance(config2, groups(2));

        assertThat(ids(config1)).isEqualTo(List.of(1, 1, 1, 1, 1, 2, 2, 2, 2, 2));
        assertThat(ids(config2)).isEqualTo(List.of(1, 1, 1, 1, 3, 2, 2, 2, 3, 3));
        assertThat(config3).containsOnly(GroupId.of(2));
        assertThat(Rebalancer.moves(config2, config3)).isEqualTo(7);
    }

    @Test
    void theCallersSetOrderDoesNotMatter() {
        List<GroupId> before = owners(5, 0, 9, 9, 9, 9, 2, 0, 7, 7, 7);
        TreeSet<GroupId> reversed = new TreeSet<>(Comparator.<GroupId>reverseOrder());
        reversed.addAll(groups(2, 3, 7, 8));

        assertThat(Rebalancer.rebalance(before, reversed))
                .isEqualTo(Rebalancer.rebalance(before, groups(2, 3, 7, 8)));
    }

    @Test
    void theResultIsImmutableAndTheInputUntouched() {
        List<GroupId> before = new ArrayList<>(owners(1, 1, 2, 0));
        List<GroupId> copy = List.copyOf(before);

        List<GroupId> after = Rebalancer.rebalance(before, groups(1, 3));

        assertThat(before).isEqualTo(copy);
        assertThatThrownBy(() -> after.set(0, GroupId.of(3)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Rebalancer.rebalance(before, groups()).set(0, GroupId.of(1)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theControllerGroupIsNotAReplicaGroup() {
        assertThatThrownBy(() -> Rebalancer.rebalance(unassigned(3), groups(0, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void movesCountsChangedOwners() {
        assertThat(Rebalancer.moves(owners(1, 2, 0), owners(1, 3, 3))).isEqualTo(2);
        assertThat(Rebalancer.moves(owners(), owners())).isZero();
        assertThatThrownBy(() -> Rebalancer.moves(owners(1), owners(1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ helpers

    /** One Join ({@code joined}) or Leave ({@code left}) applied to {@code members} and owners. */
    private static List<GroupId> apply(
            List<GroupId> owners,
            TreeSet<GroupId> members,
            List<Integer> joined,
            List<Integer> left) {
        joined.forEach(id -> members.add(GroupId.of(id)));
        left.forEach(id -> members.remove(GroupId.of(id)));
        List<GroupId> next = Rebalancer.rebalance(owners, members);
        assertThat(next).allMatch(members::contains);
        TreeMap<GroupId, Integer> counts = counts(next);
        List<Integer> perGroup = members.stream().map(g -> counts.getOrDefault(g, 0)).toList();
        assertThat(Collections.max(perGroup) - Collections.min(perGroup))
                .as("balance of %s", next)
                .isLessThanOrEqualTo(1);
        return next;
    }

    private static List<GroupId> unassigned(int shards) {
        return Collections.nCopies(shards, UNASSIGNED);
    }

    private static List<GroupId> owners(int... ids) {
        return IntStream.of(ids).mapToObj(GroupId::of).toList();
    }

    private static SortedSet<GroupId> groups(int... ids) {
        TreeSet<GroupId> groups = new TreeSet<>();
        IntStream.of(ids).mapToObj(GroupId::of).forEach(groups::add);
        return groups;
    }

    private static SortedSet<GroupId> range(int firstId, int lastId) {
        return groups(IntStream.rangeClosed(firstId, lastId).toArray());
    }

    private static List<Integer> ids(List<GroupId> owners) {
        return owners.stream().map(GroupId::value).toList();
    }

    private static TreeMap<GroupId, Integer> counts(List<GroupId> owners) {
        TreeMap<GroupId, Integer> counts = new TreeMap<>();
        owners.forEach(owner -> counts.merge(owner, 1, Integer::sum));
        return counts;
    }

    private static List<Integer> changedShards(List<GroupId> before, List<GroupId> after) {
        return IntStream.range(0, before.size())
                .filter(shard -> !before.get(shard).equals(after.get(shard)))
                .boxed()
                .toList();
    }
}
