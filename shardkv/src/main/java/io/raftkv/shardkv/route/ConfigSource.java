package io.raftkv.shardkv.route;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.raftkv.common.GroupId;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads shard configs from the controller group. Numbered configs never change, so each one read is
 * cached (Caffeine) and later asks for it are answered locally. Runs on one loop.
 */
public final class ConfigSource {
    private final GroupRequests requests;
    private final List<Member> controllers;
    private final Cache<Long, ShardConfig> configs =
            Caffeine.newBuilder().maximumSize(1_024).executor(Runnable::run).build();

    public ConfigSource(GroupRequests requests, List<Member> controllers) {
        this.requests = requests;
        this.controllers = List.copyOf(controllers);
    }

    /**
     * Config {@code number}, or the latest if {@code number} is -1 or beyond the latest; empty if
     * the controller did not answer.
     */
    public void fetch(long number, Consumer<Optional<ShardConfig>> done) {
        ShardConfig cached = number < 0 ? null : configs.getIfPresent(number);
        if (cached != null) {
            done.accept(Optional.of(cached));
            return;
        }
        requests.call(
                GroupId.CONTROLLER,
                controllers,
                true,
                ControllerCodec.encodeQuery(number),
                reply -> done.accept(reply.flatMap(this::config)));
    }

    private Optional<ShardConfig> config(ClientReply reply) {
        if (!(reply instanceof ClientReply.Value value)) {
            return Optional.empty();
        }
        try {
            if (ControllerCodec.decodeResult(value.value())
                    instanceof ControllerResult.Config found) {
                configs.put(found.config().number(), found.config());
                return Optional.of(found.config());
            }
        } catch (IllegalArgumentException malformed) {
            // not a controller's answer: as good as none
        }
        return Optional.empty();
    }
}
