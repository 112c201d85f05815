package io.raftkv.shardkv.client;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.NettyGroupCaller;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A client of a raftkv cluster, given its controllers: routes every operation to the group serving
 * its key (see {@link KvRouter} for retries, exactly-once writes and the deadline). Thread-safe;
 * any number of operations may be under way at once. Every outcome is a {@link KvResult}, never an
 * exception: {@link KvResult.Unavailable} after the deadline.
 */
public final class ShardKvClient implements AutoCloseable {
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);

    private final NettyGroupCaller caller;
    private final KvRouter router;
    private final ConfigSource configs;
    private final GroupRequests requests;

    /** A client without TLS. */
    public ShardKvClient(List<Member> controllers, KvRouter.Options options) {
        this(controllers, options, EndpointIdentity.client());
    }

    /** A client that dials as {@code identity} (TLS, a client certificate). */
    public ShardKvClient(
            List<Member> controllers, KvRouter.Options options, EndpointIdentity identity) {
        this.caller = new NettyGroupCaller("raftkv-client", identity, null, ATTEMPT_TIMEOUT);
        this.requests = new GroupRequests(caller);
        SecureRandom random = new SecureRandom();
        this.configs = new ConfigSource(requests, controllers);
        this.router =
                new KvRouter(configs, requests, caller.scheduler(), random::nextLong, options);
    }

    /** Runs {@code op}; the future completes with its result. */
    public CompletableFuture<KvResult> execute(KvOp op) {
        CompletableFuture<KvResult> result = new CompletableFuture<>();
        caller.loop().execute(() -> router.execute(op, result::complete));
        return result;
    }

    /** Runs {@code op} and waits for its result. */
    public KvResult run(KvOp op) {
        return execute(op).join();
    }

    /**
     * What a group says of itself (its config number and shard statuses) and which member answered,
     * read from its leader; empty if no member answered.
     */
    public Optional<GroupView> groupStatus(GroupId group, List<Member> members) {
        CompletableFuture<Optional<GroupView>> view = new CompletableFuture<>();
        byte[] query = KvCodec.encode(new KvQuery.Status());
        caller.loop()
                .execute(
                        () ->
                                requests.call(
                                        group,
                                        members,
                                        true,
                                        query,
                                        reply -> view.complete(toView(group, reply))));
        return view.join();
    }

    /** A group's own account of itself, and the member (its leader) that gave it. */
    public record GroupView(NodeId leader, KvResult.Status status) {}

    private Optional<GroupView> toView(GroupId group, Optional<ClientReply> reply) {
        if (reply.orElse(null) instanceof ClientReply.Value value
                && KvCodec.decodeResult(value.value()) instanceof KvResult.Status status) {
            return requests.leaderOf(group).map(leader -> new GroupView(leader, status));
        }
        return Optional.empty();
    }

    /** Config {@code number} (-1: the latest) from the controller; empty if it did not answer. */
    public Optional<ShardConfig> config(long number) {
        CompletableFuture<Optional<ShardConfig>> config = new CompletableFuture<>();
        caller.loop().execute(() -> configs.fetch(number, config::complete));
        return config.join();
    }

    @Override
    public void close() {
        caller.close();
    }
}
