package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Drives one replica group through shard configs, on whichever node leads it: takes the next config
 * from the controller once the group is settled, pulls the shards it gained from their previous
 * owners chunk by chunk, and tells those owners to delete their copies. Every step goes through the
 * group's log, so a new leader picks up where the last one stopped; the state machine ignores steps
 * that are stale or repeated, so doing one twice is harmless.
 *
 * <p>Call {@link #tick} periodically (every 100 ms or so) on the node's loop; it does nothing on a
 * follower. Runs on one loop; not thread-safe.
 */
public final class ShardMigrator {
    /** The replica of the group on this node. */
    public interface LocalGroup {
        GroupId id();

        boolean isLeader();

        MigrationView view();

        /** Proposes {@code command}; {@code done} gets its result, or empty if it failed. */
        void propose(KvCommand command, Consumer<Optional<KvResult>> done);

        /**
         * Proposes an encoded {@link KvCommand} to the replica of {@code group} that {@code host}
         * runs; {@code done} gets its result, or empty if it failed. NB: a command too large for
         * the group fails every time; the node's own commands are bounded to fit ({@link
         * KvStateMachine}'s chunks), so that one is logged as an error.
         */
        static void proposeOn(
                GroupHost host, GroupId group, byte[] command, Consumer<Optional<KvResult>> done) {
            ProposeResult result =
                    host.propose(
                            group,
                            command,
                            outcome ->
                                    done.accept(
                                            outcome instanceof ProposalOutcome.Applied applied
                                                    ? Optional.of(
                                                            KvCodec.decodeResult(
                                                                    (byte[]) applied.result()))
                                                    : Optional.empty()));
            switch (result) {
                case ProposeResult.Accepted accepted -> {}
                case ProposeResult.TooLarge tooLarge -> {
                    LOG.log(Level.ERROR, "{0}: {1}", group, tooLarge.reason());
                    done.accept(Optional.empty());
                }
                case Rejection rejection -> done.accept(Optional.empty());
            }
        }
    }

    private static final System.Logger LOG = System.getLogger(ShardMigrator.class.getName());

    private final LocalGroup local;
    private final GroupRequests remote;
    private final ConfigSource configs;
    private final int chunkBytes;
    private final Set<Integer> busyShards = new HashSet<>();
    private boolean configStepBusy;

    /**
     * @param chunkBytes the most bytes of keys and values asked for in one pull
     */
    public ShardMigrator(
            LocalGroup local, GroupRequests remote, ConfigSource configs, int chunkBytes) {
        this.local = local;
        this.remote = remote;
        this.configs = configs;
        this.chunkBytes = chunkBytes;
    }

    /** Starts whatever step is due and not already under way. */
    public void tick() {
        if (!local.isLeader()) {
            return;
        }
        MigrationView view = local.view();
        if (view.settled() && !configStepBusy) {
            takeNextConfig(view.configNumber());
        }
        for (MigrationView.Transfer pull : view.pulls()) {
            if (busyShards.add(pull.shard())) {
                pull(view.configNumber(), pull);
            }
        }
        for (MigrationView.Transfer notify : view.notifies()) {
            if (busyShards.add(notify.shard())) {
                notifySource(view.configNumber(), notify);
            }
        }
    }

    private void takeNextConfig(long current) {
        configStepBusy = true;
        configs.fetch(
                current + 1,
                next -> {
                    if (next.isEmpty() || next.get().number() != current + 1) {
                        configStepBusy = false;
                        return;
                    }
                    local.propose(
                            new KvCommand.InstallConfig(next.get()),
                            result -> {
                                configStepBusy = false;
                                if (result.orElse(null) instanceof KvResult.Ok) {
                                    LOG.log(
                                            Level.INFO,
                                            "{0} takes config {1}",
                                            local.id(),
                                            current + 1);
                                }
                                continueIf(result.orElse(null) instanceof KvResult.Ok);
                            });
                });
    }

    /** Copies the next chunk of a shard, then (if it went in) the next. */
    private void pull(long configNumber, MigrationView.Transfer transfer) {
        KvQuery.Pull query =
                new KvQuery.Pull(configNumber, transfer.shard(), transfer.after(), chunkBytes);
        remote.call(
                transfer.source(),
                transfer.members(),
                true,
                KvCodec.encode(query),
                reply -> {
                    if (resultOf(reply) instanceof KvResult.Chunk chunk) {
                        local.propose(
                                new KvCommand.InsertChunk(
                                        configNumber, transfer.shard(), chunk.chunk()),
                                inserted -> finish(transfer.shard(), inserted.isPresent()));
                    } else {
                        finish(transfer.shard(), false);
                    }
                });
    }

    /** Tells the previous owner to delete its copy, then marks the shard settled. */
    private void notifySource(long configNumber, MigrationView.Transfer transfer) {
        remote.call(
                transfer.source(),
                transfer.members(),
                false,
                KvCodec.encode(new KvCommand.DeleteShard(configNumber, transfer.shard())),
                reply -> {
                    if (resultOf(reply) instanceof KvResult.Ok) {
                        local.propose(
                                new KvCommand.ShardNotified(configNumber, transfer.shard()),
                                settled -> {
                                    if (settled.isPresent()) {
                                        LOG.log(
                                                Level.INFO,
                                                "{0} has shard {1} from {2} (config {3})",
                                                local.id(),
                                                transfer.shard(),
                                                transfer.source(),
                                                configNumber);
                                    }
                                    finish(transfer.shard(), settled.isPresent());
                                });
                    } else {
                        finish(transfer.shard(), false);
                    }
                });
    }

    private void finish(int shard, boolean progressed) {
        busyShards.remove(shard);
        continueIf(progressed);
    }

    /** After a step went through, takes the next at once instead of at the next tick. */
    private void continueIf(boolean progressed) {
        if (progressed) {
            tick();
        }
    }

    private static KvResult resultOf(Optional<ClientReply> reply) {
        byte[] bytes =
                switch (reply.orElse(null)) {
                    case ClientReply.Applied applied -> applied.result();
                    case ClientReply.Value value -> value.value();
                    case null, default -> null;
                };
        if (bytes == null) {
            return null;
        }
        try {
            return KvCodec.decodeResult(bytes);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }
}
