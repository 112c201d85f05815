package io.raftkv.shardctrler.config;

import static io.raftkv.shardctrler.config.Rebalancer.UNASSIGNED;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link Rebalancer} on seeded random inputs (current owners with unassigned shards, departed
 * groups and skewed counts), against two references that follow the definitions: a brute-force
 * search over every balanced assignment for small sizes, and a dynamic program over every balanced
 * choice of per-group targets for any size. Each case has its own seed; a failure names it and
 * {@code -Dunit.seed=N} replays only that seed in every test of this class.
 */
class RebalancerPropertyTest {
    private static final int SMALL_CASES = 5_000;
    private static final int SMALL_SHARDS_MAX = 7;
    private static final int SMALL_GROUPS_MAX = 4;
    private static final int TINY_SHARDS_MAX = 4;
    private static final int TINY_GROUP_IDS = 4;
    private static final int MEDIUM_CASES = 5_000;
    private static final int MEDIUM_SHARDS_MAX = 12;
    private static final int MEDIUM_GROUPS_MAX = 8;
    private static final int LARGE_CASES = 1_000;
    private static final int LARGE_SHARDS = 64;
    private static final int LARGE_GROUPS_MAX = 20;
    private static final int SEQUENCES = 300;
    private static final int SEQUENCE_STEPS = 40;
    private static final int SEQUENCE_GROUP_IDS = 30;

    @Test
    void smallCasesMoveAsFewShardsAsTheBestBalancedAssignment() {
        forEachSeed(
                1_000_000,
                SMALL_CASES,
                (seed, random) -> {
                    Input input = randomInput(random, SMALL_SHARDS_MAX, SMALL_GROUPS_MAX);
                    int bruteForce =
                            minimumMovesByEnumeration(input.owners(), input.sortedGroups());

                    assertThat(minimumMovesOverTargets(input.owners(), input.sortedGroups()))
                            .as("the two references disagree on %s", input)
                            .isEqualTo(bruteForce);
                    List<GroupId> result = checkContract(input, random);
                    assertThat(Rebalancer.moves(input.owners(), result))
                            .as("moves for %s -> %s", input, result)
                            .isEqualTo(bruteForce);
                });
    }

    /** Every owner list of up to 4 shards over {unassigned, g1..g4} with every subset of g1..g4. */
    @Test
    void everyTinyCaseMovesAsFewShardsAsTheBestBalancedAssignment() {
        int alphabet = TINY_GROUP_IDS + 1;
        SplittableRandom random = new SplittableRandom(0);
        int cases = 0;
        for (int shards = 1; shards <= TINY_SHARDS_MAX; shards++) {
            for (int code = 0; code < Math.pow(alphabet, shards); code++) {
                for (int subset = 0; subset < 1 << TINY_GROUP_IDS; subset++) {
                    Input input =
                            new Input(decodeOwners(code, shards, alphabet), subsetIds(subset));
                    List<GroupId> result = checkContract(input, random);
                    assertThat(Rebalancer.moves(input.owners(), result))
                            .as("moves for %s -> %s", input, result)
                            .isEqualTo(
                                    minimumMovesByEnumeration(
                                            input.owners(), input.sortedGroups()));
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(16 * (5 + 25 + 125 + 625));
    }

    @Test
    void mediumCasesAreValidBalancedDeterministicAndMinimal() {
        forEachSeed(
                2_000_000,
                MEDIUM_CASES,
                (seed, random) -> {
                    Input input = randomInput(random, MEDIUM_SHARDS_MAX, MEDIUM_GROUPS_MAX);
                    List<GroupId> result = checkContract(input, random);
                    assertThat(Rebalancer.moves(input.owners(), result))
                            .as("moves for %s -> %s", input, result)
                            .isEqualTo(
                                    minimumMovesOverTargets(input.owners(), input.sortedGroups()));
                });
    }

    @Test
    void largeCasesMoveExactlyTheLowerBound() {
        forEachSeed(
                3_000_000,
                LARGE_CASES,
                (seed, random) -> {
                    Input input = randomInput(random, LARGE_SHARDS, LARGE_SHARDS, LARGE_GROUPS_MAX);
                    List<GroupId> result = checkContract(input, random);
                    assertThat(Rebalancer.moves(input.owners(), result))
                            .as("moves for %s -> %s", input, result)
                            .isEqualTo(
                                    minimumMovesOverTargets(input.owners(), input.sortedGroups()));
                });
    }

    /**
     * Random Join/Leave commands (and the odd Move, which unbalances) from config 0: every config
     * is valid, balanced and minimal, and after a balanced config a Join moves shards only to the
     * joined groups and a Leave only from the departed ones (the lab's TestMinimalAgain, for real).
     */
    @Test
    void joinLeaveSequencesStayBalancedAndMoveOnlyWhatTheyMust() {
        forEachSeed(
                4_000_000,
                SEQUENCES,
                (seed, random) -> {
                    int shards = random.nextBoolean() ? 10 : 1 + random.nextInt(LARGE_SHARDS);
                    List<GroupId> owners = Collections.nCopies(shards, UNASSIGNED);
                    TreeSet<GroupId> members = new TreeSet<>();
                    boolean balanced = true;
                    for (int step = 0; step < SEQUENCE_STEPS; step++) {
                        if (!members.isEmpty() && random.nextInt(10) == 0) {
                            owners = moveOneShard(owners, members, random);
                            balanced = false;
                            continue;
                        }
                        Command command = randomCommand(members, random);
                        members = command.apply(members);
                        List<GroupId> next = Rebalancer.rebalance(owners, members);
                        String context =
                                "step %d, %s of %s: %s -> %s"
                                        .formatted(step, command, members, owners, next);
                        assertValidAndBalanced(next, members, context);
                        assertThat(Rebalancer.moves(owners, next))
                                .as(context)
                                .isEqualTo(minimumMovesOverTargets(owners, members));
                        if (balanced) {
                            assertOnlyTheCommandsGroupsMoved(owners, next, command, context);
                        }
                        owners = next;
                        balanced = true;
                    }
                });
    }

    // ------------------------------------------------------------------ the contract

    /** Validity, balance, the more-groups-than-shards rule and determinism; returns the result. */
    private static List<GroupId> checkContract(Input input, SplittableRandom random) {
        List<GroupId> owners = new ArrayList<>(input.owners());
        SortedSet<GroupId> groups = new TreeSet<>(input.groupsInInsertionOrder());
        String context = input.toString();

        List<GroupId> result = Rebalancer.rebalance(owners, groups);

        assertThat(owners).as("input changed: %s", context).isEqualTo(input.owners());
        assertThat(result).as(context).hasSize(owners.size());
        assertValidAndBalanced(result, groups, context);
        if (groups.size() > owners.size()) {
            assertThat(new TreeSet<>(result))
                    .as("holders with more groups than shards: %s -> %s", context, result)
                    .isEqualTo(expectedHolders(owners, groups));
        }
        assertDeterministic(input, result, random);
        return result;
    }

    private static void assertValidAndBalanced(
            List<GroupId> result, SortedSet<GroupId> groups, String context) {
        if (groups.isEmpty()) {
            assertThat(result).as(context).containsOnly(UNASSIGNED);
            return;
        }
        assertThat(result)
                .as("owners outside %s: %s -> %s", groups, context, result)
                .allMatch(groups::contains);
        TreeMap<GroupId, Integer> counts = counts(result, groups);
        int most = Collections.max(counts.values());
        int fewest = Collections.min(counts.values());
        assertThat(most - fewest)
                .as("unbalanced %s: %s -> %s", counts, context, result)
                .isLessThanOrEqualTo(1);
    }

    /**
     * With more groups than shards: every group that holds a shard now keeps one, and the other
     * shards go to the lowest ids among the rest.
     */
    private static TreeSet<GroupId> expectedHolders(
            List<GroupId> owners, SortedSet<GroupId> groups) {
        TreeSet<GroupId> holders = new TreeSet<>();
        for (GroupId owner : owners) {
            if (groups.contains(owner)) {
                holders.add(owner);
            }
        }
        for (GroupId group : groups) {
            if (holders.size() == owners.size()) {
                break;
            }
            holders.add(group);
        }
        return holders;
    }

    /**
     * The same answer again, with the set built in another insertion order, with a set that sorts
     * in reverse, and with an immutable owner list.
     */
    private static void assertDeterministic(
            Input input, List<GroupId> expected, SplittableRandom random) {
        List<GroupId> reshuffled = new ArrayList<>(input.groupsInInsertionOrder());
        shuffle(reshuffled, random);
        TreeSet<GroupId> reversed = new TreeSet<>(Comparator.<GroupId>reverseOrder());
        reversed.addAll(reshuffled);
        List<GroupId> immutableOwners = List.copyOf(input.owners());

        assertThat(Rebalancer.rebalance(input.owners(), input.sortedGroups()))
                .as("second call, %s", input)
                .isEqualTo(expected);
        assertThat(Rebalancer.rebalance(immutableOwners, new TreeSet<>(reshuffled)))
                .as("groups inserted as %s, %s", reshuffled, input)
                .isEqualTo(expected);
        assertThat(Rebalancer.rebalance(immutableOwners, reversed))
                .as("reverse-ordered set, %s", input)
                .isEqualTo(expected);
    }

    private static void assertOnlyTheCommandsGroupsMoved(
            List<GroupId> before, List<GroupId> after, Command command, String context) {
        for (int shard = 0; shard < before.size(); shard++) {
            if (before.get(shard).equals(after.get(shard))) {
                continue;
            }
            GroupId touched = command.join() ? after.get(shard) : before.get(shard);
            assertThat(command.groups())
                    .as(
                            "shard %d moved %s -> %s; %s",
                            shard, before.get(shard), after.get(shard), context)
                    .contains(touched);
        }
    }

    // ------------------------------------------------------------------ the references

    /**
     * The fewest moves of any balanced assignment, by trying every assignment of shards to groups.
     * Prunes a group at {@code ceil(n / g)} shards: no balanced assignment gives any group more.
     */
    private static int minimumMovesByEnumeration(List<GroupId> owners, SortedSet<GroupId> groups) {
        if (groups.isEmpty()) {
            return unassignedMoves(owners);
        }
        int ceiling = Math.ceilDiv(owners.size(), groups.size());
        return enumerate(owners, List.copyOf(groups), 0, new int[groups.size()], 0, ceiling);
    }

    private static int enumerate(
            List<GroupId> owners,
            List<GroupId> groups,
            int shard,
            int[] counts,
            int moves,
            int ceiling) {
        if (shard == owners.size()) {
            int most = Arrays.stream(counts).max().orElseThrow();
            int fewest = Arrays.stream(counts).min().orElseThrow();
            return most - fewest <= 1 ? moves : Integer.MAX_VALUE;
        }
        int best = Integer.MAX_VALUE;
        for (int index = 0; index < groups.size(); index++) {
            if (counts[index] == ceiling) {
                continue;
            }
            counts[index]++;
            int moved = owners.get(shard).equals(groups.get(index)) ? 0 : 1;
            best =
                    Math.min(
                            best,
                            enumerate(owners, groups, shard + 1, counts, moves + moved, ceiling));
            counts[index]--;
        }
        return best;
    }

    /**
     * The fewest moves over every balanced choice of targets: each group gets {@code n / g} or one
     * more, exactly {@code n % g} of them one more. With target {@code t} a group can keep at most
     * {@code min(current, t)} of its shards (and can keep that many), so the moves of a choice are
     * the shards of no current group plus the sum of {@code max(0, current - t)}; a dynamic program
     * over the groups finds the best choice.
     */
    private static int minimumMovesOverTargets(List<GroupId> owners, SortedSet<GroupId> groups) {
        if (groups.isEmpty()) {
            return unassignedMoves(owners);
        }
        TreeMap<GroupId, Integer> counts = counts(owners, groups);
        int orphans = owners.size() - counts.values().stream().mapToInt(Integer::intValue).sum();
        int base = owners.size() / groups.size();
        int extra = owners.size() % groups.size();
        int[] best = new int[extra + 1]; // best[j]: fewest excess shards with j targets of base + 1
        Arrays.fill(best, Integer.MAX_VALUE / 2);
        best[0] = 0;
        for (int current : counts.values()) {
            for (int j = extra; j >= 0; j--) {
                int withBase = best[j] + Math.max(0, current - base);
                int withExtra =
                        j > 0 ? best[j - 1] + Math.max(0, current - base - 1) : Integer.MAX_VALUE;
                best[j] = Math.min(withBase, withExtra);
            }
        }
        return orphans + best[extra];
    }

    private static int unassignedMoves(List<GroupId> owners) {
        return (int) owners.stream().filter(owner -> !owner.equals(UNASSIGNED)).count();
    }

    // ------------------------------------------------------------------ generators

    /** A case: the current owners and the groups of the new config, in the order to insert them. */
    private record Input(List<GroupId> owners, List<GroupId> groupsInInsertionOrder) {
        TreeSet<GroupId> sortedGroups() {
            return new TreeSet<>(groupsInInsertionOrder);
        }

        @Override
        public String toString() {
            return "owners %s, groups %s".formatted(owners, sortedGroups());
        }
    }

    private static Input randomInput(SplittableRandom random, int shardsMax, int groupsMax) {
        return randomInput(random, 1, shardsMax, groupsMax);
    }

    /**
     * Ids come from a pool a few larger than {@code groupsMax}; the current owners come from an
     * independent draw of "previous" groups, so some are departed and some new groups own nothing.
     */
    private static Input randomInput(
            SplittableRandom random, int shardsMin, int shardsMax, int groupsMax) {
        int shards = shardsMin + random.nextInt(shardsMax - shardsMin + 1);
        List<GroupId> pool = new ArrayList<>();
        for (int id = 1; id <= groupsMax + 4; id++) {
            pool.add(GroupId.of(id));
        }
        shuffle(pool, random);
        List<GroupId> groups = List.copyOf(pool.subList(0, random.nextInt(groupsMax + 1)));
        shuffle(pool, random);
        List<GroupId> previous = List.copyOf(pool.subList(0, random.nextInt(groupsMax + 1)));
        return new Input(randomOwners(random, shards, previous), groups);
    }

    /**
     * Uniform, skewed towards the first few groups, or a balanced config of the previous groups.
     */
    private static List<GroupId> randomOwners(
            SplittableRandom random, int shards, List<GroupId> previous) {
        if (previous.isEmpty()) {
            return Collections.nCopies(shards, UNASSIGNED);
        }
        int unassignedPercent = random.nextInt(3) * 15;
        int mode = random.nextInt(3);
        List<GroupId> owners = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            int index = random.nextInt(previous.size());
            if (mode == 1) {
                index = Math.min(index, random.nextInt(previous.size()));
            }
            owners.add(random.nextInt(100) < unassignedPercent ? UNASSIGNED : previous.get(index));
        }
        if (mode == 2) {
            return Rebalancer.rebalance(owners, new TreeSet<>(previous));
        }
        return owners;
    }

    private static List<GroupId> decodeOwners(int code, int shards, int alphabet) {
        List<GroupId> owners = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            owners.add(GroupId.of(code % alphabet));
            code /= alphabet;
        }
        return owners;
    }

    private static List<GroupId> subsetIds(int subset) {
        List<GroupId> groups = new ArrayList<>();
        for (int bit = 0; bit < TINY_GROUP_IDS; bit++) {
            if ((subset & (1 << bit)) != 0) {
                groups.add(GroupId.of(bit + 1));
            }
        }
        return groups;
    }

    /** A Join of new groups or a Leave of current ones. */
    private record Command(boolean join, TreeSet<GroupId> groups) {
        TreeSet<GroupId> apply(TreeSet<GroupId> members) {
            TreeSet<GroupId> next = new TreeSet<>(members);
            if (join) {
                next.addAll(groups);
            } else {
                next.removeAll(groups);
            }
            return next;
        }

        @Override
        public String toString() {
            return (join ? "Join " : "Leave ") + groups;
        }
    }

    private static Command randomCommand(TreeSet<GroupId> members, SplittableRandom random) {
        List<GroupId> candidates = new ArrayList<>();
        boolean join =
                members.isEmpty()
                        || (members.size() < SEQUENCE_GROUP_IDS && random.nextInt(10) < 6);
        for (int id = 1; id <= SEQUENCE_GROUP_IDS; id++) {
            if (members.contains(GroupId.of(id)) != join) {
                candidates.add(GroupId.of(id));
            }
        }
        shuffle(candidates, random);
        int count = 1 + random.nextInt(Math.min(3, candidates.size()));
        return new Command(join, new TreeSet<>(candidates.subList(0, count)));
    }

    private static List<GroupId> moveOneShard(
            List<GroupId> owners, TreeSet<GroupId> members, SplittableRandom random) {
        List<GroupId> moved = new ArrayList<>(owners);
        List<GroupId> choices = new ArrayList<>(members);
        moved.set(random.nextInt(owners.size()), choices.get(random.nextInt(choices.size())));
        return moved;
    }

    // ------------------------------------------------------------------ plumbing

    private static TreeMap<GroupId, Integer> counts(
            List<GroupId> owners, SortedSet<GroupId> groups) {
        TreeMap<GroupId, Integer> counts = new TreeMap<>();
        for (GroupId group : groups) {
            counts.put(group, 0);
        }
        for (GroupId owner : owners) {
            counts.computeIfPresent(owner, (group, count) -> count + 1);
        }
        return counts;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int index = list.size() - 1; index > 0; index--) {
            Collections.swap(list, index, random.nextInt(index + 1));
        }
    }

    @FunctionalInterface
    private interface SeededCase {
        void run(long seed, SplittableRandom random);
    }

    /** Seeds {@code firstSeed..firstSeed + count - 1}, or only {@code -Dunit.seed=N}. */
    private static void forEachSeed(long firstSeed, int count, SeededCase body) {
        Long replay = Long.getLong("unit.seed");
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            long current = replay != null ? replay : seed;
            try {
                body.run(current, new SplittableRandom(current));
            } catch (AssertionError | RuntimeException failure) {
                throw new AssertionError(
                        "failed with seed %d (replay with -Dunit.seed=%d): %s"
                                .formatted(current, current, failure.getMessage()),
                        failure);
            }
            if (replay != null) {
                return;
            }
        }
    }
}
