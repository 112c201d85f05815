package io.raftkv.shardkv.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupCaller;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.LoopScheduler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What the router makes of a group's refusals: a command too large for the group ends the operation
 * at once with {@link KvResult.TooLarge}, where retrying until the deadline could never help; an
 * overloaded leader is asked again after a backoff until it takes the write. The group answers from
 * a script, on a virtual clock.
 */
class KvRouterTest {
    private static final GroupId GROUP = GroupId.of(1);
    private static final Member NODE = new Member(NodeId.of(1), "127.0.0.1:1");
    private static final Member CONTROLLER = new Member(NodeId.of(9), "127.0.0.1:9");
    private static final ShardConfig CONFIG =
            new ShardConfig(1, List.of(GROUP), new TreeMap<>(Map.of(GROUP, List.of(NODE))));
    private static final ClientReply OK = new ClientReply.Applied(0, 1, ok());
    private static final long DEADLINE_MILLIS = 30_000;

    private final VirtualLoop loop = new VirtualLoop();

    /** The group's answers, in order: the first registers the write's session. */
    private final ArrayDeque<ClientReply> script = new ArrayDeque<>();

    private int groupCalls;

    @Test
    void aWriteTheGroupFindsTooLargeEndsAtOnceWithTooLarge() {
        script.add(OK);
        script.add(new ClientReply.TooLarge(0, "command of 20 bytes exceeds the limit of 10"));

        KvResult result = run(new KvOp.Put(bytes("k"), bytes("v")));

        assertThat(result)
                .isEqualTo(new KvResult.TooLarge("command of 20 bytes exceeds the limit of 10"));
        assertThat(groupCalls).as("one registration, one write, no retry").isEqualTo(2);
        assertThat(loop.nowMillis()).isLessThan(100);
    }

    @Test
    void aWriteToAnOverloadedLeaderIsRetriedAfterABackoffUntilTaken() {
        script.add(OK);
        script.add(new ClientReply.Overloaded(0, "uncommitted entries: 2 of at most 2"));
        script.add(new ClientReply.Overloaded(0, "uncommitted entries: 2 of at most 2"));
        script.add(OK);

        KvResult result = run(new KvOp.Put(bytes("k"), bytes("v")));

        assertThat(result).isEqualTo(new KvResult.Ok());
        assertThat(groupCalls).isEqualTo(4);
        assertThat(loop.nowMillis()).as("backed off 10 then 20 ms").isGreaterThanOrEqualTo(30);
    }

    @Test
    void aWriteHandedToAGroupThatNeverAnswersEndsUnknown() {
        script.add(OK); // the session registers; the write itself is never answered

        KvResult result = run(new KvOp.Put(bytes("k"), bytes("v")));

        assertThat(result).isInstanceOf(KvResult.Unknown.class);
        assertThat(loop.nowMillis()).isGreaterThanOrEqualTo(DEADLINE_MILLIS);
    }

    @Test
    void aWriteWhoseSessionNeverRegistersEndsUnavailableForNothingWasApplied() {
        KvResult result = run(new KvOp.Put(bytes("k"), bytes("v")));

        assertThat(result)
                .isInstanceOfSatisfying(
                        KvResult.Unavailable.class,
                        unavailable -> assertThat(unavailable.reason()).contains("did not answer"));
    }

    @Test
    void aReadThatIsNeverAnsweredEndsUnavailable() {
        assertThat(run(new KvOp.Get(bytes("k")))).isInstanceOf(KvResult.Unavailable.class);
    }

    /** The first attempt may have been applied before the session was evicted. */
    @Test
    void aSessionThatExpiresWhileTheWriteIsRetriedEndsUnknown() {
        script.add(OK);
        script.add(new ClientReply.Unknown(0, -1)); // the leader lost its leadership
        script.add(new ClientReply.Applied(0, 2, KvCodec.encode(new KvResult.SessionExpired())));

        KvResult result = run(new KvOp.Put(bytes("k"), bytes("v")));

        assertThat(result)
                .isInstanceOfSatisfying(
                        KvResult.Unknown.class,
                        unknown -> assertThat(unknown.reason()).contains("session expired"));
    }

    @Test
    void aSessionThatExpiredBeforeTheOnlyAttemptEndsSessionExpired() {
        script.add(OK);
        script.add(new ClientReply.Applied(0, 2, KvCodec.encode(new KvResult.SessionExpired())));

        assertThat(run(new KvOp.Put(bytes("k"), bytes("v"))))
                .isEqualTo(new KvResult.SessionExpired());
    }

    private KvResult run(KvOp op) {
        GroupRequests requests = new GroupRequests(new ScriptedCaller());
        KvRouter router =
                new KvRouter(
                        new ConfigSource(requests, List.of(CONTROLLER)),
                        requests,
                        loop,
                        () -> 7,
                        new KvRouter.Options(DEADLINE_MILLIS, 200));
        KvResult[] result = new KvResult[1];
        router.execute(op, done -> result[0] = done);
        loop.run();
        assertThat(script).as("every scripted answer given").isEmpty();
        return result[0];
    }

    /** The controller answers with {@link #CONFIG}; the group with the script, 1 ms later. */
    private final class ScriptedCaller implements GroupCaller {
        @Override
        public void call(
                Member target,
                GroupId group,
                boolean read,
                byte[] payload,
                Consumer<Optional<ClientReply>> answer) {
            ClientReply reply;
            if (group.equals(GroupId.CONTROLLER)) {
                byte[] config = ControllerCodec.encode(new ControllerResult.Config(CONFIG));
                reply = new ClientReply.Value(0, config);
            } else {
                groupCalls++;
                reply = script.poll();
            }
            loop.schedule(1, () -> answer.accept(Optional.ofNullable(reply)));
        }
    }

    /** Runs tasks in time order on a clock that jumps to the next task. */
    private static final class VirtualLoop implements LoopScheduler {
        private record Task(long atMillis, long sequence, Runnable action) {}

        private final PriorityQueue<Task> tasks =
                new PriorityQueue<>(
                        (a, b) ->
                                a.atMillis() != b.atMillis()
                                        ? Long.compare(a.atMillis(), b.atMillis())
                                        : Long.compare(a.sequence(), b.sequence()));
        private long now;
        private long sequence;

        @Override
        public long nowMillis() {
            return now;
        }

        @Override
        public void schedule(long delayMillis, Runnable task) {
            tasks.add(new Task(now + delayMillis, ++sequence, task));
        }

        void run() {
            while (!tasks.isEmpty()) {
                Task task = tasks.poll();
                now = task.atMillis();
                task.action().run();
            }
        }
    }

    private static byte[] ok() {
        return KvCodec.encode(new KvResult.Ok());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
