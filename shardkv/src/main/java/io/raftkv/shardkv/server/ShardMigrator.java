package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvQuery;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Drives one replica group through shard configs, on whichever node leads it: takes the next config
 * from the controller once the group is settled, pulls the shards it gained from their previous
 * owners chunk by chunk, and tells those owners to delete their copies. A transfer whose receiver
 * has left since (a group that never came up must not freeze reconfiguration) is given up: the
 * source takes the shard back, the receiver stops pulling. A new owner that looks for a shard at a
 * group that never got it is told to pull it from here. Every step goes through the group's log, so
 * a new leader picks up where the last one stopped; the state machine ignores steps that are stale
 * or repeated, so doing one twice is harmless.
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
    private final Function<GroupId, List<Member>> lastMembers;
    private final int chunkBytes;
    private final Set<Integer> busyShards = new HashSet<>();

    /** Per shard, the config in which its receiver was told to pull from here (this leader). */
    private final Map<Integer, Long> redirected = new HashMap<>();

    private final Departures departures;

    /** The config {@link #departed} is about. */
    private long departuresSince = -1;

    /** Receivers of config {@link #departuresSince}'s transfers known to have left since. */
    private final TreeSet<GroupId> departed = new TreeSet<>();

    private boolean configStepBusy;
    private boolean departuresBusy;

    /**
     * @param lastMembers each group's members in the newest config this node has looked at that
     *     lists it (none if no such config): where another group is now, even after it left
     * @param chunkBytes the most bytes of keys and values asked for in one pull
     */
    public ShardMigrator(
            LocalGroup local,
            GroupRequests remote,
            ConfigSource configs,
            Function<GroupId, List<Member>> lastMembers,
            int chunkBytes) {
        this.local = local;
        this.remote = remote;
        this.configs = configs;
        this.lastMembers = lastMembers;
        this.chunkBytes = chunkBytes;
        this.departures = new Departures(configs);
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
        boolean left = departedSince(view.configNumber()).contains(local.id());
        for (MigrationView.Transfer pull : view.pulls()) {
            if ((left || pull.source() != null) && busyShards.add(pull.shard())) {
                if (left) {
                    abandon(view.configNumber(), pull, false);
                } else {
                    pull(view.configNumber(), pull);
                }
            }
        }
        for (MigrationView.Transfer notify : view.notifies()) {
            if (busyShards.add(notify.shard())) {
                notifySource(view.configNumber(), notify);
            }
        }
        handOff(view);
        boolean transfers = !view.handoffs().isEmpty() || !view.pulls().isEmpty();
        if (transfers && !departuresBusy) {
            findDepartures(view);
        }
    }

    /**
     * Where to reach {@code group}: the members its transfer's config listed, then any others it
     * has in the newest config that lists it. NB: which replica answers does not matter for safety
     * (each checks the config and the shard's status in its own log); this only keeps a transfer
     * from waiting forever on a group whose leader is a replica added after that config. The newest
     * config that lists the group, not the latest: a group that left keeps the members it last had,
     * and may still hold shards to hand over (seed 200245 of the shardkv swarm: the latest config
     * did not list the source, whose old member had deleted its replica and whose other members
     * named a leader added since).
     */
    private List<Member> membersOf(GroupId group, List<Member> listed) {
        List<Member> members = new ArrayList<>(listed);
        for (Member member : lastMembers.apply(group)) {
            if (members.stream().noneMatch(m -> m.node().equals(member.node()))) {
                members.add(member);
            }
        }
        return members;
    }

    /**
     * Gives up the transfers whose receiver has left since the group's config ({@link Departures}):
     * as source, takes the shard back; as receiver (above), stops pulling. Tells the other
     * receivers that look for their shard at a group that never got it to pull from here. NB:
     * either giving up is safe whenever it happens (the receiver serves only once the source's log
     * made the handoff final, and a receiver still PULLING has never asked for that); the departure
     * only makes it worth doing, and both ends see the same one.
     */
    private void handOff(MigrationView view) {
        Set<GroupId> departed = departedSince(view.configNumber());
        for (MigrationView.Handoff handoff : view.handoffs()) {
            boolean told =
                    Long.valueOf(view.configNumber()).equals(redirected.get(handoff.shard()));
            if (departed.contains(handoff.receiver())) {
                if (busyShards.add(handoff.shard())) {
                    reclaim(view.configNumber(), handoff);
                }
            } else if (handoff.redirect()
                    && !told
                    && !view.members().isEmpty()
                    && busyShards.add(handoff.shard())) {
                redirect(view, handoff);
            }
        }
    }

    /** The groups known to have left since config {@code configNumber} (a departure is forever). */
    private Set<GroupId> departedSince(long configNumber) {
        return configNumber == departuresSince ? departed : Set.of();
    }

    /** Looks for departures of this config's receivers; acts at once on any new one. */
    private void findDepartures(MigrationView view) {
        TreeSet<GroupId> receivers = new TreeSet<>();
        view.handoffs().forEach(handoff -> receivers.add(handoff.receiver()));
        if (!view.pulls().isEmpty()) {
            receivers.add(local.id());
        }
        departuresBusy = true;
        departures.find(
                view.configNumber(),
                receivers,
                found -> {
                    departuresBusy = false;
                    if (departuresSince != view.configNumber()) {
                        departuresSince = view.configNumber();
                        departed.clear();
                    }
                    continueIf(departed.addAll(found));
                });
    }

    private void reclaim(long configNumber, MigrationView.Handoff handoff) {
        local.propose(
                new KvCommand.ReclaimShard(configNumber, handoff.shard()),
                result -> {
                    if (result.isPresent()) {
                        LOG.log(
                                Level.WARNING,
                                "{0} takes back shard {1} of config {3}: {2} has left without"
                                        + " confirming it",
                                local.id(),
                                handoff.shard(),
                                handoff.receiver(),
                                configNumber);
                    }
                    finish(handoff.shard(), result.isPresent());
                });
    }

    /** Tells a receiver that looks for its shard at a group that never got it to pull from here. */
    private void redirect(MigrationView view, MigrationView.Handoff handoff) {
        KvCommand.PullFrom command =
                new KvCommand.PullFrom(
                        view.configNumber(), handoff.shard(), local.id(), view.members());
        remote.call(
                handoff.receiver(),
                membersOf(handoff.receiver(), handoff.members()),
                false,
                KvCodec.encode(command),
                reply -> {
                    boolean told = resultOf(reply) instanceof KvResult.Ok;
                    if (told) {
                        redirected.put(handoff.shard(), view.configNumber());
                    }
                    finish(handoff.shard(), false);
                });
    }

    /**
     * Drops what was copied of a shard: {@code reclaimed}, because the source took it back;
     * otherwise because this group has left, and only if still PULLING.
     */
    private void abandon(long configNumber, MigrationView.Transfer transfer, boolean reclaimed) {
        local.propose(
                new KvCommand.AbandonShard(configNumber, transfer.shard(), reclaimed),
                dropped -> {
                    if (dropped.isPresent()) {
                        LOG.log(
                                Level.WARNING,
                                "{0} gives up shard {1} of config {2}: {3}",
                                local.id(),
                                transfer.shard(),
                                configNumber,
                                reclaimed ? transfer.source() + " took it back" : "it has left");
                    }
                    finish(transfer.shard(), dropped.isPresent());
                });
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
                membersOf(transfer.source(), transfer.members()),
                true,
                KvCodec.encode(query),
                reply -> {
                    switch (resultOf(reply)) {
                        case KvResult.Chunk chunk ->
                                local.propose(
                                        new KvCommand.InsertChunk(
                                                configNumber, transfer.shard(), chunk.chunk()),
                                        inserted -> finish(transfer.shard(), inserted.isPresent()));
                        case KvResult.Reclaimed reclaimed -> abandon(configNumber, transfer, true);
                        case null, default -> finish(transfer.shard(), false);
                    }
                });
    }

    /** Tells the previous owner to delete its copy, then marks the shard settled. */
    private void notifySource(long configNumber, MigrationView.Transfer transfer) {
        remote.call(
                transfer.source(),
                membersOf(transfer.source(), transfer.members()),
                false,
                KvCodec.encode(new KvCommand.DeleteShard(configNumber, transfer.shard())),
                reply -> {
                    KvResult result = resultOf(reply);
                    if (result instanceof KvResult.Reclaimed) {
                        abandon(configNumber, transfer, true);
                    } else if (result instanceof KvResult.Ok) {
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
