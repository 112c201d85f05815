package io.raftkv.shardctrler.server;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.node.Access;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.command.ControllerResult.Reason;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Members;
import io.raftkv.shardctrler.config.Rebalancer;
import io.raftkv.shardctrler.config.ShardConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The controller group's state: every shard config so far, the {@link ReplicaHistory} (founders,
 * claims, retired replicas), and each client's last command and result so that a retry is applied
 * once. Deterministic: no clocks, no unordered iteration.
 *
 * <p>Commands and results travel as {@link ControllerCodec} bytes; a malformed command is answered
 * with {@link Reason#MALFORMED}, never an exception, so every replica stays in step.
 */
public final class ControllerStateMachine implements QueryableStateMachine {
    /**
     * Sessions kept by default, and at most with any cap; past the cap the one idle longest (by log
     * index) is forgotten.
     */
    static final int SESSIONS_MAX = 10_000;

    /** 2: the replica history follows the configs. */
    private static final byte SNAPSHOT_VERSION = 2;

    /** The fewest bytes a session takes in a snapshot: ids, index and an empty result. */
    private static final int SESSION_BYTES_MIN = 8 + 8 + 8 + 4;

    /** A command's encoded result: a Done, or a Rejected with a message of at most 64 KiB. */
    private static final int RESULT_BYTES_MAX = 1 << 17;

    private record Session(long sequence, long lastIndex, byte[] result) {}

    private final int shardCount;
    private final List<ShardConfig> configs = new ArrayList<>();
    private final TreeMap<Long, Session> sessions = new TreeMap<>();

    /** The most sessions kept: {@link #SESSIONS_MAX}, or fewer in tests that evict. */
    private final int sessionsMax;

    private ReplicaHistory history = new ReplicaHistory();

    /** The controller group's own replicas: the founders of group 0, whose claims it keeps. */
    private final List<NodeId> controllers;

    /** A controller that keeps no claims of its own group's replicas (tests of the configs). */
    public ControllerStateMachine(int shardCount) {
        this(shardCount, List.of());
    }

    /**
     * @param controllers the controller group's replicas, the same on every one of them: claims of
     *     group 0 are granted to these nodes
     */
    public ControllerStateMachine(int shardCount, List<NodeId> controllers) {
        this(shardCount, controllers, SESSIONS_MAX);
    }

    /**
     * @param sessionsMax the most client sessions kept, at most {@link #SESSIONS_MAX}; the same on
     *     every replica, since eviction decides which retries are answered from a session
     */
    ControllerStateMachine(int shardCount, List<NodeId> controllers, int sessionsMax) {
        Check.argument(
                sessionsMax >= 1 && sessionsMax <= SESSIONS_MAX,
                "sessions cap %d outside [1, %d]",
                sessionsMax,
                SESSIONS_MAX);
        this.sessionsMax = sessionsMax;
        this.shardCount = shardCount;
        this.controllers = controllers.stream().sorted().toList();
        configs.add(ShardConfig.initial(shardCount));
    }

    public ShardConfig latest() {
        return configs.getLast();
    }

    /** Founders, claims and retired replicas: for tests of this package; do not change it. */
    ReplicaHistory replicaHistory() {
        return history;
    }

    /** Config {@code number}, or the latest for a negative number or one past the latest. */
    public ShardConfig config(long number) {
        return number < 0 || number >= configs.size() ? latest() : configs.get((int) number);
    }

    /**
     * A claim comes from the node that hosts the replica: only the cluster's nodes send it. Every
     * other command changes the shard config: an admin operation.
     */
    @Override
    public Optional<Access> commandAccess(byte[] bytes) {
        ControllerCommand command;
        try {
            command = ControllerCodec.decodeCommand(bytes);
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
        return Optional.of(
                switch (command) {
                    case ControllerCommand.Claim claim -> Access.PEER;
                    case ControllerCommand.Join join -> Access.ADMIN;
                    case ControllerCommand.Leave leave -> Access.ADMIN;
                    case ControllerCommand.Move move -> Access.ADMIN;
                    case ControllerCommand.AddReplica add -> Access.ADMIN;
                    case ControllerCommand.RemoveReplica remove -> Access.ADMIN;
                    case ControllerCommand.ReplaceReplica replace -> Access.ADMIN;
                    case ControllerCommand.Drain drain -> Access.ADMIN;
                    case ControllerCommand.UnsafeRecover recover -> Access.ADMIN;
                });
    }

    /** Any client reads configs: it routes keys with them. */
    @Override
    public Access queryAccess(byte[] query) {
        return Access.CLIENT;
    }

    @Override
    public Object apply(long index, byte[] bytes) {
        ControllerCommand command;
        try {
            command = ControllerCodec.decodeCommand(bytes);
        } catch (IllegalArgumentException malformed) {
            return ControllerCodec.encode(
                    new ControllerResult.Rejected(Reason.MALFORMED, malformed.getMessage()));
        }
        Session session = sessions.get(command.clientId());
        if (session != null
                && command.sequence() == session.sequence()
                && !PlantedBugs.planted(ControllerBug.SKIP_SESSION_DEDUPE)) {
            return session.result();
        }
        if (session != null && command.sequence() < session.sequence()) {
            return ControllerCodec.encode(
                    new ControllerResult.Rejected(
                            Reason.STALE_SEQUENCE,
                            "sequence %d after %d"
                                    .formatted(command.sequence(), session.sequence())));
        }
        byte[] result = ControllerCodec.encode(execute(command));
        sessions.put(command.clientId(), new Session(command.sequence(), index, result));
        evictIdleSessions();
        return result;
    }

    private ControllerResult execute(ControllerCommand command) {
        return switch (command) {
            case ControllerCommand.Join join -> join(join.groups());
            case ControllerCommand.Leave leave -> leave(leave.groups());
            case ControllerCommand.Move move -> move(move.shard(), move.group());
            case ControllerCommand.Claim claim ->
                    claim(claim.group(), claim.node(), claim.incarnation());
            case ControllerCommand.AddReplica add ->
                    changeMembers(replicaChanges().add(add.group(), add.member()));
            case ControllerCommand.RemoveReplica remove ->
                    changeMembers(replicaChanges().remove(remove.group(), remove.node()));
            case ControllerCommand.ReplaceReplica replace ->
                    changeMembers(
                            replicaChanges()
                                    .replace(
                                            replace.group(), replace.old(), replace.replacement()));
            case ControllerCommand.Drain drain ->
                    changeMembers(replicaChanges().drain(drain.node()));
            case ControllerCommand.UnsafeRecover recover ->
                    changeMembers(
                            replicaChanges().unsafeRecover(recover.group(), recover.survivor()));
        };
    }

    /**
     * Adds the joining groups unless one breaks a {@link Members} rule, is already in the latest
     * config, or returns with another set of members than it last had. The first broken rule, in
     * group order, is the answer: a pure function of the log, so every replica gives it. Members
     * are listed by node id; a group's first join records its founders.
     */
    private ControllerResult join(SortedMap<GroupId, List<Member>> joining) {
        ShardConfig latest = latest();
        for (var group : joining.entrySet()) {
            Optional<String> duplicate = Members.duplicate(group.getKey(), group.getValue());
            if (duplicate.isPresent()) {
                return new ControllerResult.Rejected(Reason.DUPLICATE_MEMBER, duplicate.get());
            }
        }
        for (var group : joining.entrySet()) {
            Optional<ControllerResult> refused =
                    refuseExistingOrChanged(group.getKey(), group.getValue());
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        Optional<String> conflict = Members.conflict(latest.groups(), joining);
        if (conflict.isPresent()) {
            return new ControllerResult.Rejected(Reason.ADDRESS_CONFLICT, conflict.get());
        }
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>(latest.groups());
        joining.forEach(
                (group, members) -> {
                    groups.put(group, Members.sorted(members));
                    history.recordFounders(group, members);
                });
        return publish(
                latest.next(
                        Rebalancer.rebalance(latest.owners(), new TreeSet<>(groups.keySet())),
                        groups));
    }

    /**
     * Refuses {@code group} if the latest config has it, or if it was in an earlier config with
     * another set of members (the order they are listed in does not matter).
     */
    private Optional<ControllerResult> refuseExistingOrChanged(
            GroupId group, List<Member> members) {
        if (latest().groups().containsKey(group)) {
            return Optional.of(
                    new ControllerResult.Rejected(
                            Reason.GROUP_EXISTS, group + " has already joined"));
        }
        List<Member> before = lastMembers(group);
        if (before != null && !Members.sameSet(before, members)) {
            return Optional.of(
                    new ControllerResult.Rejected(
                            Reason.MEMBERS_CHANGED,
                            "%s was served by %s, not by %s; a returning group keeps its members"
                                    .formatted(
                                            group,
                                            Members.describe(before),
                                            Members.describe(members))));
        }
        return Optional.empty();
    }

    /** The members {@code group} had in the last config that listed it, or null if none did. */
    private List<Member> lastMembers(GroupId group) {
        for (int i = configs.size() - 1; i >= 0; i--) {
            List<Member> members = configs.get(i).groups().get(group);
            if (members != null) {
                return members;
            }
        }
        return null;
    }

    private ControllerResult leave(List<GroupId> leaving) {
        ShardConfig latest = latest();
        for (GroupId group : leaving) {
            if (!latest.groups().containsKey(group)) {
                return new ControllerResult.Rejected(
                        Reason.UNKNOWN_GROUP, group + " is not in config " + latest.number());
            }
        }
        TreeMap<GroupId, List<Member>> groups = new TreeMap<>(latest.groups());
        leaving.forEach(groups::remove);
        return publish(
                latest.next(
                        Rebalancer.rebalance(latest.owners(), new TreeSet<>(groups.keySet())),
                        groups));
    }

    private ControllerResult move(int shard, GroupId group) {
        ShardConfig latest = latest();
        if (shard < 0 || shard >= shardCount) {
            return new ControllerResult.Rejected(
                    Reason.SHARD_OUT_OF_RANGE,
                    "shard %d is not in [0, %d)".formatted(shard, shardCount));
        }
        if (!latest.groups().containsKey(group)) {
            return new ControllerResult.Rejected(
                    Reason.UNKNOWN_GROUP, group + " is not in config " + latest.number());
        }
        List<GroupId> owners = new ArrayList<>(latest.owners());
        owners.set(shard, group);
        return publish(latest.next(owners, latest.groups()));
    }

    /**
     * Grants {@code node}'s replica of {@code group} to the data directory with {@code
     * incarnation}, if the node is a member in the last config that lists the group (which may have
     * left since: its replicas still hand their shards over), or for group 0 one of the
     * controllers, and no other incarnation claimed it.
     */
    private ControllerResult claim(GroupId group, NodeId node, long incarnation) {
        boolean controllerGroup = group.equals(GroupId.CONTROLLER);
        Optional<List<NodeId>> founders =
                controllerGroup
                        ? Optional.of(controllers).filter(list -> !list.isEmpty())
                        : history.founders(group);
        if (founders.isEmpty()) {
            return new ControllerResult.Rejected(Reason.UNKNOWN_GROUP, group + " has never joined");
        }
        List<NodeId> members = controllerGroup ? controllers : lastMemberNodes(group);
        if (!members.contains(node)) {
            return new ControllerResult.Rejected(
                    Reason.NOT_A_MEMBER, "%s is not a replica of %s".formatted(node, group));
        }
        OptionalLong claimant = history.claimant(group, node);
        boolean otherDisk = claimant.isPresent() && claimant.getAsLong() != incarnation;
        if (otherDisk && PlantedBugs.planted(ControllerBug.CLAIM_BY_ANY_DISK)) {
            return new ControllerResult.Claimed(founders.get().contains(node), founders.get());
        }
        if (otherDisk) {
            return new ControllerResult.Rejected(
                    Reason.CLAIMED_ELSEWHERE,
                    ("the replica of %s on %s was started by another data directory; a node"
                                    + " without its data is a new node: replace %s with a new"
                                    + " node id")
                            .formatted(group, node, node));
        }
        history.claim(group, node, incarnation);
        return new ControllerResult.Claimed(founders.get().contains(node), founders.get());
    }

    /**
     * The nodes of {@code group} in the last config that lists it; it has founders, so one does.
     */
    private List<NodeId> lastMemberNodes(GroupId group) {
        List<Member> members = lastMembers(group);
        Check.that(members != null, "%s has founders but no config lists it", group);
        return members.stream().map(Member::node).toList();
    }

    private ReplicaChanges replicaChanges() {
        return new ReplicaChanges(latest(), history);
    }

    /**
     * Publishes a member change: shards stay with their owners, only members (and, for an unsafe
     * recovery, recoveries) change.
     */
    private ControllerResult changeMembers(ReplicaChanges.Plan plan) {
        return switch (plan) {
            case ReplicaChanges.Plan.Refused refused -> refused.rejected();
            case ReplicaChanges.Plan.AlreadyDone done ->
                    new ControllerResult.Done(latest().number());
            case ReplicaChanges.Plan.Changed changed -> {
                changed.retiring()
                        .forEach(replica -> history.retire(replica.group(), replica.node()));
                yield publish(
                        latest().next(latest().owners(), changed.groups(), changed.recoveries()));
            }
        };
    }

    private ControllerResult publish(ShardConfig next) {
        Check.that(next.number() == configs.size(), "config %d out of order", next.number());
        configs.add(next);
        return new ControllerResult.Done(next.number());
    }

    /** Forgets the sessions idle longest once there are too many (deterministic: by log index). */
    private void evictIdleSessions() {
        while (sessions.size() > sessionsMax) {
            Map.Entry<Long, Session> idlest = null;
            for (var entry : sessions.entrySet()) {
                if (idlest == null
                        || entry.getValue().lastIndex() < idlest.getValue().lastIndex()) {
                    idlest = entry;
                }
            }
            sessions.remove(idlest.getKey());
        }
    }

    /** Answers {@link ControllerCodec#encodeQuery} requests with the config asked for. */
    @Override
    public byte[] query(byte[] request) {
        long number;
        try {
            number = ControllerCodec.decodeQuery(request);
        } catch (IllegalArgumentException malformed) {
            return ControllerCodec.encode(
                    new ControllerResult.Rejected(Reason.MALFORMED, malformed.getMessage()));
        }
        return ControllerCodec.encode(new ControllerResult.Config(config(number)));
    }

    /** {@code [u8 version][i32 shard count][configs][replica history][i32 count][session...]}. */
    @Override
    public byte[] snapshot() {
        return Binary.write(
                SNAPSHOT_VERSION,
                out -> {
                    out.writeInt(shardCount);
                    ControllerCodec.writeConfigs(out, configs);
                    history.write(out);
                    out.writeInt(sessions.size());
                    for (var entry : sessions.entrySet()) {
                        out.writeLong(entry.getKey());
                        out.writeLong(entry.getValue().sequence());
                        out.writeLong(entry.getValue().lastIndex());
                        Binary.writeBytes(out, entry.getValue().result());
                    }
                });
    }

    /**
     * Replaces the state with a {@link #snapshot} image. Throws {@link IllegalArgumentException} if
     * it is malformed or of a cluster with another shard count, and then changes nothing.
     */
    @Override
    public void restore(byte[] snapshot) {
        Binary.read(
                SNAPSHOT_VERSION,
                snapshot,
                in -> {
                    Check.argument(
                            in.readInt() == shardCount,
                            "snapshot of a cluster with another shard count");
                    List<ShardConfig> restored = ControllerCodec.readConfigs(in);
                    for (int i = 0; i < restored.size(); i++) {
                        ShardConfig config = restored.get(i);
                        Check.argument(
                                config.number() == i && config.shardCount() == shardCount,
                                "config %d of %d shards at position %d",
                                config.number(),
                                config.shardCount(),
                                i);
                    }
                    ReplicaHistory restoredHistory = ReplicaHistory.read(in);
                    checkFoundersOfEveryGroup(restored, restoredHistory);
                    checkFencedRetired(restored.getLast(), restoredHistory);
                    TreeMap<Long, Session> restoredSessions = readSessions(in);
                    configs.clear();
                    configs.addAll(restored);
                    history = restoredHistory;
                    sessions.clear();
                    sessions.putAll(restoredSessions);
                    return null;
                });
    }

    /** The history has founders for exactly the groups some config lists. */
    private static void checkFoundersOfEveryGroup(
            List<ShardConfig> configs, ReplicaHistory history) {
        TreeSet<GroupId> listed = new TreeSet<>();
        configs.forEach(config -> listed.addAll(config.groups().keySet()));
        Check.argument(
                listed.equals(history.groupsEverJoined()),
                "founders of %d groups, but configs list %d",
                history.groupsEverJoined().size(),
                listed.size());
    }

    /**
     * Every node a recovery fences is retired for its group. The latest config's recoveries are
     * enough: a later recovery of a group fences everything the earlier one did.
     */
    private static void checkFencedRetired(ShardConfig latest, ReplicaHistory history) {
        for (var entry : latest.recoveries().entrySet()) {
            for (NodeId node : entry.getValue().fenced()) {
                Check.argument(
                        history.isRetired(entry.getKey(), node),
                        "%s is fenced from %s but not retired",
                        node,
                        entry.getKey());
            }
        }
    }

    private static TreeMap<Long, Session> readSessions(DataInputStream in) throws IOException {
        TreeMap<Long, Session> restored = new TreeMap<>();
        int count = Binary.readCount(in, SESSION_BYTES_MIN, SESSIONS_MAX);
        for (int i = 0; i < count; i++) {
            long clientId = in.readLong();
            long sequence = in.readLong();
            long lastIndex = in.readLong();
            byte[] result = Binary.readBytes(in, RESULT_BYTES_MAX);
            Check.argument(result != null, "session of client %d without a result", clientId);
            Check.argument(
                    restored.put(clientId, new Session(sequence, lastIndex, result)) == null,
                    "client %d listed twice",
                    clientId);
        }
        return restored;
    }
}
