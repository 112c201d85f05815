package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.server.MembershipDriver;
import io.raftkv.shardkv.server.ShardMigrator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * One run of one node, doing what {@code ShardKvNode} does beyond Raft, every {@value
 * ShardKvSim#MIGRATION_TICK_MILLIS} ms: every {@value #DRIVES_PER_CONFIG_READ} drives it looks at
 * each config it has not looked at yet, in order, and claims at the controller each replica a
 * config names it for that it does not host; a granted claim starts the replica (a founder with the
 * founders as voters, a later member as a learner beside the other members). It ticks each
 * replica's migration and membership drivers, and deletes a replica once the latest config leaves
 * this node out and the replica's own log says its removal committed. A group that left the config
 * is driven toward the members it last had. Founders are hosted from the start and claim once a
 * config lists their group (a real founder claims first; the simulation makes its groups before the
 * controller knows them). A claim's incarnation is the node's disk, so a node back with a blank
 * disk is refused every replica its old disk claimed, and hosts none of them.
 */
final class SimNodeDriver {
    /** Drives between two reads of the controller's configs, as on a real node. */
    private static final int DRIVES_PER_CONFIG_READ = 5;

    /** The most configs one read looks at, as on a real node. */
    private static final int CONFIGS_PER_READ = 100;

    private final Simulation sim;
    private final List<Member> controllers;

    /** The groups the simulation made, whose founders are hosted from the start. */
    private final Set<GroupId> groups;

    /** Replicas deleted and claims granted, shared by every node's driver. */
    private final ReplicaBook replicas;

    /** This node's disk, the incarnation its claims carry. */
    private final long disk;

    private final int chunkBytes;
    private final NodeId node;
    private final BooleanSupplier alive;
    private final GroupRequests requests;
    private final ConfigSource configs;
    private final long clientId;
    private long sequence;
    private final TreeMap<GroupId, HostedReplica> hosted = new TreeMap<>();

    /** Groups a config names this node in that it does not host: claims to make. */
    private final TreeMap<GroupId, List<NodeId>> unclaimed = new TreeMap<>();

    private final Set<GroupId> claimsInFlight = new TreeSet<>();

    /** Each group's members in the last config looked at that lists it. */
    private final TreeMap<GroupId, List<Member>> lastListed = new TreeMap<>();

    private ShardConfig latest;
    private long reconciledUpTo;
    private boolean reconciling;
    private long drives;

    /**
     * @param alive whether this run of the node is still the current one
     * @param controllers the controller group's members
     * @param disk the node's disk: 1, then one more each time it is replaced by a blank one
     */
    SimNodeDriver(
            Simulation sim,
            NodeId node,
            BooleanSupplier alive,
            List<Member> controllers,
            Set<GroupId> groups,
            ReplicaBook replicas,
            long disk,
            int chunkBytes) {
        this.sim = sim;
        this.node = node;
        this.alive = alive;
        this.controllers = controllers;
        this.groups = groups;
        this.replicas = replicas;
        this.disk = disk;
        this.chunkBytes = chunkBytes;
        this.clientId = sim.random().nextLong() & Long.MAX_VALUE;
        this.requests = new GroupRequests(new SimGroupCaller(sim, node, alive));
        this.configs = new ConfigSource(requests, controllers);
        for (GroupId group : groups) {
            if (sim.replicaNodes(group).contains(node)) {
                drive(group);
            }
        }
    }

    void driveEvery() {
        sim.scheduler()
                .schedule(
                        ShardKvSim.MIGRATION_TICK_MILLIS,
                        () -> {
                            if (alive.getAsBoolean()) {
                                drive();
                                driveEvery();
                            }
                        });
    }

    private void drive() {
        if (drives++ % DRIVES_PER_CONFIG_READ == 0 && !reconciling) {
            reconciling = true;
            reconcileNext(CONFIGS_PER_READ);
        }
        hosted.values().forEach(replica -> replica.migrator().tick());
        claimUnclaimedReplicas();
        if (latest != null) {
            driveMemberships(latest);
        }
    }

    private void reconcileNext(int budget) {
        if (budget == 0) {
            reconciling = false;
            return;
        }
        configs.fetch(
                reconciledUpTo + 1,
                found -> {
                    found.filter(c -> latest == null || c.number() > latest.number())
                            .ifPresent(c -> latest = c);
                    if (found.isEmpty() || found.get().number() != reconciledUpTo + 1) {
                        reconciling = false;
                        return;
                    }
                    noteGroupsNamingThisNode(found.get());
                    reconciledUpTo = found.get().number();
                    reconcileNext(budget - 1);
                });
    }

    private void noteGroupsNamingThisNode(ShardConfig config) {
        config.groups()
                .forEach(
                        (group, members) -> {
                            lastListed.put(group, members);
                            List<NodeId> nodes = members.stream().map(Member::node).toList();
                            if (nodes.contains(node)
                                    && !replicas.isClaimed(group, node)
                                    && groups.contains(group)) {
                                unclaimed.put(group, nodes);
                            }
                        });
    }

    private void claimUnclaimedReplicas() {
        unclaimed.forEach(
                (group, members) -> {
                    if (claimsInFlight.add(group)) {
                        byte[] claim =
                                ControllerCodec.encode(
                                        new ControllerCommand.Claim(
                                                clientId, ++sequence, group, node, disk));
                        requests.call(
                                GroupId.CONTROLLER,
                                controllers,
                                false,
                                claim,
                                reply -> onClaimAnswer(group, members, reply));
                    }
                });
    }

    private void onClaimAnswer(GroupId group, List<NodeId> members, Optional<ClientReply> reply) {
        claimsInFlight.remove(group);
        if (!(reply.orElse(null) instanceof ClientReply.Applied applied)
                || !unclaimed.containsKey(group)) {
            return; // no answer: claimed again at the next drive
        }
        unclaimed.remove(group);
        if (ControllerCodec.decodeResult(applied.result())
                instanceof ControllerResult.Claimed claimed) {
            if (replicas.isDeleted(group, node)) {
                throw new AssertionError(
                        "the controller granted %s's claim on %s, whose replica there was"
                                + " removed and deleted".formatted(node, group));
            }
            replicas.claimed(group, node);
            if (!hosted.containsKey(group)) {
                sim.addReplica(group, node, bootstrapMembership(members, claimed));
                drive(group);
            }
        }
        // Refused (no longer a member, or claimed by a lost disk): nothing to host.
    }

    /**
     * As {@code ShardKvNode}: a founder starts with the founders as voters; a member added later as
     * a learner beside the config's other members, so it never votes before the group's log makes
     * it a voter.
     */
    private Membership bootstrapMembership(List<NodeId> members, ControllerResult.Claimed claimed) {
        if (claimed.founding()) {
            return new Membership(claimed.founders());
        }
        List<NodeId> voters = members.stream().filter(n -> !n.equals(node)).toList();
        return new Membership(voters.isEmpty() ? claimed.founders() : voters, List.of(node));
    }

    private void driveMemberships(ShardConfig config) {
        for (GroupId group : List.copyOf(hosted.keySet())) {
            List<Member> members = config.groups().get(group);
            if (members == null && reconciledUpTo >= config.number()) {
                members = lastListed.get(group); // left: toward the members it last had
            }
            if (members == null) {
                continue;
            }
            TreeSet<NodeId> wanted = new TreeSet<>();
            members.forEach(member -> wanted.add(member.node()));
            if (!wanted.contains(node) && removedFromOwnLog(group)) {
                hosted.remove(group);
                sim.removeReplica(group, node);
                replicas.deleted(group, node);
            } else {
                hosted.get(group).membership().tick(wanted);
            }
        }
    }

    /** As {@code ShardKvNode}: the replica holds its own removal, committed. */
    private boolean removedFromOwnLog(GroupId group) {
        return sim.status(node, group)
                .map(
                        status ->
                                !status.membership().contains(node)
                                        && status.commitIndex() >= status.membershipIndex())
                .orElse(false);
    }

    private void drive(GroupId group) {
        SimLocalGroup local = new SimLocalGroup(sim, node, group, alive);
        hosted.put(
                group,
                new HostedReplica(
                        new ShardMigrator(
                                local,
                                requests,
                                configs,
                                other -> lastListed.getOrDefault(other, List.of()),
                                chunkBytes),
                        new MembershipDriver(node, local)));
    }

    private record HostedReplica(ShardMigrator migrator, MembershipDriver membership) {}
}
