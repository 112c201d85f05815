package io.raftkv.shardctrler.server;

import static io.raftkv.shardctrler.server.ControllerSim.groups;
import static io.raftkv.shardctrler.server.ControllerSim.members;
import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerSim.Clerk;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The lab's shard controller tests ({@code anchors/mit-6824-tests.md} section 5) on the simulator,
 * with real minimal-move assertions where the lab's are vacuous.
 */
class ControllerLabTest {
    /** The lab's check(): exactly these groups, every shard on one of them, balanced. */
    static void check(ShardConfig config, int... expected) {
        TreeSet<GroupId> groups = new TreeSet<>();
        for (int id : expected) {
            groups.add(GroupId.of(id));
        }
        assertThat(config.groups().keySet())
                .as("groups of config %d", config.number())
                .isEqualTo(groups);
        if (groups.isEmpty()) {
            return;
        }
        TreeMap<GroupId, Integer> counts = new TreeMap<>();
        groups.forEach(group -> counts.put(group, 0));
        for (int shard = 0; shard < config.shardCount(); shard++) {
            GroupId owner = config.owners().get(shard);
            assertThat(groups).as("owner of shard %d", shard).contains(owner);
            counts.merge(owner, 1, Integer::sum);
        }
        int max = counts.values().stream().max(Integer::compare).orElseThrow();
        int min = counts.values().stream().min(Integer::compare).orElseThrow();
        assertThat(max)
                .as("balance of config %d: %s", config.number(), counts)
                .isLessThanOrEqualTo(min + 1);
    }

    /** Shards whose owner differs between two configs. */
    static List<Integer> changed(ShardConfig before, ShardConfig after) {
        return IntStream.range(0, before.shardCount())
                .filter(shard -> !before.owners().get(shard).equals(after.owners().get(shard)))
                .boxed()
                .toList();
    }

    @Test
    void basicJoinLeaveAndHistoricalQueriesSurviveRestarts() {
        ControllerSim cluster = new ControllerSim(3, 4_001);
        Clerk clerk = cluster.clerk();
        List<ShardConfig> history = new ArrayList<>();
        history.add(clerk.query(-1));
        check(history.getLast());
        assertThat(history.getLast()).isEqualTo(ShardConfig.initial(ControllerSim.SHARDS));
        clerk.join(groups(1));
        history.add(clerk.query(-1));
        check(history.getLast(), 1);
        clerk.join(groups(2));
        history.add(clerk.query(-1));
        check(history.getLast(), 1, 2);
        assertThat(history.getLast().groups().get(GroupId.of(1))).isEqualTo(members(1));
        assertThat(history.getLast().groups().get(GroupId.of(2))).isEqualTo(members(2));
        clerk.leave(1);
        history.add(clerk.query(-1));
        check(history.getLast(), 2);
        clerk.leave(2);
        history.add(clerk.query(-1));
        check(history.getLast());
        for (NodeId server : cluster.nodes()) {
            cluster.sim().crash(server);
            for (ShardConfig config : history) {
                assertThat(clerk.query(config.number()))
                        .as("historical config %d", config.number())
                        .isEqualTo(config);
            }
            cluster.sim().start(server);
        }
    }

    @Test
    void moveAssignsExactlyTheShardAndIsNotUndoneByRebalancing() {
        ControllerSim cluster = new ControllerSim(3, 4_002);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(503));
        clerk.join(groups(504));
        for (int shard = 0; shard < ControllerSim.SHARDS; shard++) {
            ShardConfig before = clerk.query(-1);
            int target = shard < 5 ? 503 : 504;
            assertThat(clerk.move(shard, target)).isInstanceOf(ControllerResult.Done.class);
            assertThat(clerk.query(-1).number())
                    .as("Move increases the config number")
                    .isGreaterThan(before.number());
        }
        ShardConfig moved = clerk.query(-1);
        for (int shard = 0; shard < ControllerSim.SHARDS; shard++) {
            assertThat(moved.owners().get(shard)).isEqualTo(GroupId.of(shard < 5 ? 503 : 504));
        }
        clerk.leave(503);
        clerk.leave(504);
        check(clerk.query(-1));
    }

    @Test
    void concurrentLeaveAndJoinEndBalancedWithOneShardPerGroup() {
        ControllerSim cluster = new ControllerSim(3, 4_003);
        List<Clerk> clerks = new ArrayList<>();
        List<List<LongFunction<ControllerCommand>>> scripts = new ArrayList<>();
        int[] expected = new int[10];
        for (int i = 0; i < 10; i++) {
            Clerk clerk = cluster.clerk();
            int gid = 100 + 10 * i;
            expected[i] = gid;
            long clientId = 1_000 + i;
            clerks.add(clerk);
            scripts.add(
                    List.of(
                            seq -> new ControllerCommand.Join(clientId, seq, groups(gid + 1000)),
                            seq -> new ControllerCommand.Join(clientId, seq, groups(gid)),
                            seq ->
                                    new ControllerCommand.Leave(
                                            clientId, seq, List.of(GroupId.of(gid + 1000)))));
        }
        cluster.concurrently(clerks, scripts);
        ShardConfig config = cluster.clerk().query(-1);
        check(config, expected);
    }

    @Test
    void joinsMoveOnlyShardsToTheNewGroupAndLeavesOnlyTheLeavingGroupsShards() {
        ControllerSim cluster = new ControllerSim(3, 4_004);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(1, 2, 3));
        for (int gid = 11; gid <= 15; gid++) {
            ShardConfig before = clerk.query(-1);
            clerk.join(groups(gid));
            ShardConfig after = clerk.query(-1);
            for (int shard : changed(before, after)) {
                assertThat(after.owners().get(shard))
                        .as("after joining g%d, shard %d moved elsewhere", gid, shard)
                        .isEqualTo(GroupId.of(gid));
            }
        }
        for (int gid = 11; gid <= 15; gid++) {
            ShardConfig before = clerk.query(-1);
            clerk.leave(gid);
            ShardConfig after = clerk.query(-1);
            for (int shard : changed(before, after)) {
                assertThat(before.owners().get(shard))
                        .as("after g%d left, shard %d moved", gid, shard)
                        .isEqualTo(GroupId.of(gid));
            }
            check(
                    after,
                    IntStream.concat(IntStream.of(1, 2, 3), IntStream.rangeClosed(gid + 1, 15))
                            .toArray());
        }
    }

    @Test
    void minimalAgainMovesAtMostAThirdOfTheShards() {
        ControllerSim cluster = new ControllerSim(3, 4_005);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(1));
        clerk.join(groups(2));
        ShardConfig c1 = clerk.query(-1);
        clerk.join(groups(3));
        ShardConfig c2 = clerk.query(-1);
        for (int shard : changed(c1, c2)) {
            assertThat(c2.owners().get(shard)).isEqualTo(GroupId.of(3));
        }
        assertThat(changed(c1, c2)).hasSizeLessThanOrEqualTo(ControllerSim.SHARDS / 3 + 1);
        clerk.leave(1);
        ShardConfig c3 = clerk.query(-1);
        for (int shard : changed(c2, c3)) {
            assertThat(c2.owners().get(shard)).isEqualTo(GroupId.of(1));
        }
        assertThat(changed(c2, c3)).hasSizeLessThanOrEqualTo(ControllerSim.SHARDS / 3 + 1);
    }

    @Test
    void multiGroupJoinAndLeaveAreEachOneConfigChange() {
        ControllerSim cluster = new ControllerSim(3, 4_006);
        Clerk clerk = cluster.clerk();
        check(clerk.query(-1));
        clerk.join(groups(1, 2));
        ShardConfig joined = clerk.query(-1);
        assertThat(joined.number()).isEqualTo(1);
        check(joined, 1, 2);
        clerk.join(groups(3));
        check(clerk.query(-1), 1, 2, 3);
        for (int gid = 1; gid <= 3; gid++) {
            assertThat(clerk.query(-1).groups().get(GroupId.of(gid))).isEqualTo(members(gid));
        }
        clerk.leave(1, 3);
        ShardConfig left = clerk.query(-1);
        assertThat(left.number()).isEqualTo(3);
        check(left, 2);
        assertThat(left.groups().get(GroupId.of(2))).isEqualTo(members(2));
        clerk.leave(2);
        check(clerk.query(-1));
    }

    @Test
    void concurrentMultiGroupLeaveAndJoin() {
        ControllerSim cluster = new ControllerSim(3, 4_007);
        List<Clerk> clerks = new ArrayList<>();
        List<List<LongFunction<ControllerCommand>>> scripts = new ArrayList<>();
        int[] expected = new int[10];
        for (int i = 0; i < 10; i++) {
            int gid = 1000 + i;
            expected[i] = gid;
            long clientId = 2_000 + i;
            clerks.add(cluster.clerk());
            scripts.add(
                    List.of(
                            seq ->
                                    new ControllerCommand.Join(
                                            clientId, seq, groups(gid, gid + 1000, gid + 2000)),
                            seq ->
                                    new ControllerCommand.Leave(
                                            clientId,
                                            seq,
                                            List.of(
                                                    GroupId.of(gid + 1000),
                                                    GroupId.of(gid + 2000)))));
        }
        cluster.concurrently(clerks, scripts);
        check(cluster.clerk().query(-1), expected);
    }

    @Test
    void aNewLeaderServesTheSameLatestConfig() {
        ControllerSim cluster = new ControllerSim(3, 4_008);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(1, 2, 3));
        clerk.leave(2);
        clerk.join(groups(4, 5));
        ShardConfig before = clerk.query(-1);
        NodeId leader = cluster.leader().orElseThrow();
        cluster.sim().crash(leader);
        ShardConfig after = clerk.query(-1);
        assertThat(cluster.leader())
                .hasValueSatisfying(newLeader -> assertThat(newLeader).isNotEqualTo(leader));
        assertThat(after).isEqualTo(before);
        for (NodeId node : cluster.nodes()) {
            if (!node.equals(leader)) {
                assertThat(cluster.stateMachine(node).latest())
                        .as("replica %s", node)
                        .isEqualTo(before);
            }
        }
    }

    @Test
    void aReturningGroupKeepsItsMembers() {
        ControllerSim cluster = new ControllerSim(3, 4_013);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(1, 2));
        clerk.leave(1);
        SortedMap<GroupId, List<Member>> moved = new TreeMap<>();
        moved.put(GroupId.of(1), List.of(new Member(NodeId.of(99), "elsewhere:1")));
        ShardConfig before = clerk.query(-1);
        assertThat(clerk.join(moved))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.MEMBERS_CHANGED));
        assertThat(clerk.query(-1)).isEqualTo(before);
        assertThat(clerk.join(groups(1))).isInstanceOf(ControllerResult.Done.class);
        assertThat(clerk.query(-1).groups()).containsKeys(GroupId.of(1), GroupId.of(2));
    }

    @Test
    void badCommandsAreRejectedWithoutChangingTheConfig() {
        ControllerSim cluster = new ControllerSim(3, 4_009);
        Clerk clerk = cluster.clerk();
        clerk.join(groups(1));
        ShardConfig before = clerk.query(-1);
        assertThat(clerk.join(groups(1)))
                .isEqualTo(
                        new ControllerResult.Rejected(
                                ControllerResult.Reason.GROUP_EXISTS, "g1 has already joined"));
        assertThat(clerk.leave(7))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.UNKNOWN_GROUP));
        assertThat(clerk.move(ControllerSim.SHARDS, 1))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.SHARD_OUT_OF_RANGE));
        assertThat(clerk.move(-1, 1))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.SHARD_OUT_OF_RANGE));
        assertThat(clerk.move(0, 9))
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.UNKNOWN_GROUP));
        assertThat(clerk.query(-1)).isEqualTo(before);
    }

    @Test
    void aRetriedCommandIsAppliedOnce() {
        ControllerSim cluster = new ControllerSim(3, 4_010);
        Clerk clerk = cluster.clerk();
        ControllerCommand join = new ControllerCommand.Join(77, 1, groups(1));
        ControllerResult first = clerk.run(seq -> join);
        ControllerResult again = clerk.run(seq -> join);
        assertThat(again).isEqualTo(first).isEqualTo(new ControllerResult.Done(1));
        assertThat(clerk.query(-1).number()).as("one config for two deliveries").isEqualTo(1);
        ControllerResult stale =
                clerk.run(seq -> new ControllerCommand.Leave(77, 0, List.of(GroupId.of(1))));
        assertThat(stale)
                .isInstanceOfSatisfying(
                        ControllerResult.Rejected.class,
                        r ->
                                assertThat(r.reason())
                                        .isEqualTo(ControllerResult.Reason.STALE_SEQUENCE));
        assertThat(clerk.query(-1).groups()).containsKey(GroupId.of(1));
    }
}
