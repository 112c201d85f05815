package io.raftkv.shardkv.client;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.Shards;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.LoopScheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The client's routing core: sends each operation to the group that owns its key's shard in the
 * latest config it knows, and retries until the operation has a result or its deadline passes.
 *
 * <ul>
 *   <li>On {@code WrongGroup}, or when the group does not answer, it reads the latest config again
 *       (one read shared by every operation waiting for it) and retries after a backoff that
 *       doubles up to a bound; so it does when the group's leader is {@code Overloaded}.
 *   <li>An operation too large for the client's own limits ({@link KvOp#sizeProblem}) or for the
 *       group's ({@link ClientReply.TooLarge}) ends at once with {@link KvResult.TooLarge}.
 *   <li>{@link GroupRequests} follows leader hints and remembers each group's leader.
 *   <li>Writes are exactly once: each runs in a session of its shard (registered on first use) with
 *       the next sequence number, and every retry carries the same number. Concurrent writes to one
 *       shard use different sessions, taken from a pool.
 *   <li>After the deadline the operation ends with {@link KvResult.Unknown} if a group was handed
 *       the write (it may or may not have been applied), else with {@link KvResult.Unavailable}
 *       (nothing was applied). So does a write whose session expired after it was retried: an
 *       earlier attempt may have been applied before the session was evicted.
 * </ul>
 *
 * <p>Runs on one loop; not thread-safe ({@link ShardKvClient} is the thread-safe facade).
 */
public final class KvRouter {
    /**
     * @param deadlineMillis how long one operation may take in all
     * @param backoffMaxMillis the longest pause between rounds of attempts
     */
    public record Options(long deadlineMillis, long backoffMaxMillis) {
        public Options {
            Check.argument(deadlineMillis > 0, "the deadline must be positive");
            Check.argument(backoffMaxMillis >= 10, "the backoff bound is at least 10 ms");
        }

        public static Options defaults() {
            return new Options(30_000, 200);
        }
    }

    private static final long BACKOFF_MIN_MILLIS = 10;

    private final ConfigSource configs;
    private final GroupRequests groups;
    private final LoopScheduler loop;
    private final LongSupplier sessionIds;
    private final Options options;
    private final Map<Integer, ArrayDeque<Session>> idleSessions = new HashMap<>();
    private ShardConfig latest;
    private List<Runnable> refreshWaiters;

    /**
     * @param sessionIds new session ids: random, so no two clients share one
     */
    public KvRouter(
            ConfigSource configs,
            GroupRequests groups,
            LoopScheduler loop,
            LongSupplier sessionIds,
            Options options) {
        this.configs = configs;
        this.groups = groups;
        this.loop = loop;
        this.sessionIds = sessionIds;
        this.options = options;
    }

    /** The latest config this client has seen, if any. */
    public Optional<ShardConfig> latestConfig() {
        return Optional.ofNullable(latest);
    }

    /** Runs {@code op}; {@code done} gets its result (on the loop), exactly once. */
    public void execute(KvOp op, Consumer<KvResult> done) {
        Optional<String> tooLarge = KvOp.sizeProblem(op);
        if (tooLarge.isPresent()) {
            done.accept(new KvResult.TooLarge(tooLarge.get()));
            return;
        }
        new Attempt(op, done).step();
    }

    /** A client's session in one shard. */
    private static final class Session {
        final long id;
        long sequence;
        boolean registered;

        Session(long id) {
            this.id = id;
        }
    }

    /** One operation, from its call until its result. */
    private final class Attempt {
        final KvOp op;
        final Consumer<KvResult> done;
        final long deadline;
        long backoff = BACKOFF_MIN_MILLIS;
        int shard = -1;
        Session session;
        long sequence;
        String lastProblem = "no controller has answered";
        boolean askedForConfig;

        /**
         * How often the write itself (not its session's registration) was handed to a group,
         * counting each resend after an answer that left its fate open.
         */
        int writesSent;

        Attempt(KvOp op, Consumer<KvResult> done) {
            this.op = op;
            this.done = done;
            this.deadline = loop.nowMillis() + options.deadlineMillis();
        }

        void step() {
            if (loop.nowMillis() >= deadline) {
                String why =
                        "no result within %d ms (%s)"
                                .formatted(options.deadlineMillis(), lastProblem);
                finish(writesSent > 0 ? new KvResult.Unknown(why) : new KvResult.Unavailable(why));
                return;
            }
            if (latest == null) {
                if (askedForConfig) {
                    retryLater("no controller answered");
                } else {
                    askedForConfig = true;
                    refresh(this::step);
                }
                return;
            }
            shard = Shards.of(op.key(), latest.shardCount());
            Optional<GroupId> owner = latest.owner(shard);
            if (owner.isEmpty()) {
                retryLater("shard %d has no group in config %d".formatted(shard, latest.number()));
                return;
            }
            List<Member> members = latest.groups().get(owner.get());
            if (op instanceof KvOp.Get get) {
                send(owner.get(), members, true, KvCodec.encode(new KvQuery.Read(get)));
            } else {
                write(owner.get(), members);
            }
        }

        void write(GroupId owner, List<Member> members) {
            if (session == null) {
                ArrayDeque<Session> idle = idleSessions.get(shard);
                session =
                        idle == null || idle.isEmpty()
                                ? new Session(sessionIds.getAsLong())
                                : idle.poll();
            }
            if (!session.registered) {
                send(
                        owner,
                        members,
                        false,
                        KvCodec.encode(new KvCommand.RegisterSession(session.id, shard)));
                return;
            }
            if (sequence == 0) {
                sequence = ++session.sequence;
            }
            writesSent++;
            send(
                    owner,
                    members,
                    false,
                    KvCodec.encode(new KvCommand.Write(session.id, sequence, op)),
                    () -> writesSent++);
        }

        void send(GroupId owner, List<Member> members, boolean read, byte[] payload) {
            send(owner, members, read, payload, () -> {});
        }

        void send(
                GroupId owner,
                List<Member> members,
                boolean read,
                byte[] payload,
                Runnable onResend) {
            long configNumber = latest.number();
            groups.call(
                    owner,
                    members,
                    read,
                    payload,
                    onResend,
                    reply -> onReply(owner, configNumber, reply));
        }

        void onReply(GroupId owner, long configNumber, Optional<ClientReply> reply) {
            if (reply.orElse(null) instanceof ClientReply.Overloaded overloaded) {
                retryLater("group %s is overloaded (%s)".formatted(owner, overloaded.reason()));
                return;
            }
            KvResult result = decode(reply);
            switch (result) {
                case null -> {
                    lastProblem = "group %s did not answer".formatted(owner);
                    refreshThenRetry(configNumber);
                }
                case KvResult.WrongGroup wrong -> {
                    lastProblem = "group %s does not serve shard %d".formatted(owner, shard);
                    refreshThenRetry(configNumber);
                }
                case KvResult.Ok ok when session != null && !session.registered -> {
                    session.registered = true;
                    step();
                }
                case KvResult.SessionExpired expired -> {
                    session = null; // never used again; the next write opens a new one
                    finish(
                            writesSent > 1
                                    ? new KvResult.Unknown(
                                            "the session expired while the write was retried,"
                                                    + " and an earlier attempt may have been"
                                                    + " applied")
                                    : expired);
                }
                default -> finish(result);
            }
        }

        /** Reads the latest config unless a newer one than the attempt used is known; retries. */
        void refreshThenRetry(long usedConfig) {
            if (latest != null && latest.number() > usedConfig) {
                step();
                return;
            }
            retryLater(lastProblem);
        }

        void retryLater(String problem) {
            lastProblem = problem;
            long pause = Math.min(backoff, Math.max(0, deadline - loop.nowMillis()));
            backoff = Math.min(options.backoffMaxMillis(), backoff * 2);
            loop.schedule(pause, () -> refresh(this::step));
        }

        void finish(KvResult result) {
            if (session != null) {
                idleSessions.computeIfAbsent(shard, s -> new ArrayDeque<>()).push(session);
            }
            done.accept(result);
        }
    }

    private static KvResult decode(Optional<ClientReply> reply) {
        try {
            return switch (reply.orElse(null)) {
                case ClientReply.Applied applied -> KvCodec.decodeResult(applied.result());
                case ClientReply.Value value -> KvCodec.decodeResult(value.value());
                case ClientReply.Invalid invalid -> new KvResult.Malformed(invalid.reason());
                case ClientReply.Forbidden forbidden -> new KvResult.Malformed(forbidden.reason());
                case ClientReply.TooLarge tooLarge -> new KvResult.TooLarge(tooLarge.reason());
                case null, default -> null;
            };
        } catch (IllegalArgumentException malformed) {
            return new KvResult.Malformed("an unreadable reply: " + malformed.getMessage());
        }
    }

    /** Reads the latest config (one read for every caller waiting), then runs {@code then}. */
    private void refresh(Runnable then) {
        if (refreshWaiters != null) {
            refreshWaiters.add(then);
            return;
        }
        refreshWaiters = new ArrayList<>(List.of(then));
        configs.fetch(
                -1,
                config -> {
                    config.filter(c -> latest == null || c.number() > latest.number())
                            .ifPresent(c -> latest = c);
                    List<Runnable> waiting = refreshWaiters;
                    refreshWaiters = null;
                    waiting.forEach(Runnable::run);
                });
    }
}
