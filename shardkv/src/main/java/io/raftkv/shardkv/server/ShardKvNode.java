package io.raftkv.shardkv.server;

import io.raftkv.common.Check;
import io.raftkv.common.FailStop;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.TlsFiles;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.HostOptions;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.raft.node.RaftNode;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.Recovery;
import io.raftkv.shardctrler.config.ShardConfig;
import io.raftkv.shardctrler.server.ControllerStateMachine;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.KvStateMachine;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.route.ConfigSource;
import io.raftkv.shardkv.route.GroupRequests;
import io.raftkv.shardkv.route.NettyGroupCaller;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One raftkv server process: a {@link RaftNode} hosting a controller replica (if this node is one
 * of the controllers) and a replica of every group the controller's latest config lists this node
 * in, each replica group driven through configs by a {@link ShardMigrator} while this node leads
 * it.
 *
 * <p>A node keeps its replica of a group that left the config: the group still has to hand its
 * shards over, and may join again under the same id. Threading: everything runs on the node's loop.
 *
 * <p>Replica identity (DESIGN.md rule 7): before it first starts a replica, a node claims it at the
 * controller with its data directory's incarnation. The first incarnation to claim a replica owns
 * it; a node whose data was lost has a new incarnation, so its claims are refused and it hosts none
 * of the replicas it lost, which keeps a blank log from voting as the replica that had one. It says
 * so in one line naming the groups and the {@code admin replace} that brings them back. While this
 * node leads a group, a {@link MembershipDriver} moves the group's Raft membership toward the
 * members in the latest config; a replica the config dropped is deleted once its own log says its
 * removal committed.
 */
public final class ShardKvNode implements AutoCloseable {
    /**
     * @param controllers the controller group's nodes; this node hosts a controller replica if it
     *     is one of them
     * @param shardCount the number of shards (the same on every node)
     * @param chunkBytes the most bytes of keys and values one migration pull asks for
     * @param offHeap keep each group's keys and values in a MapDB file rather than on the heap
     * @param clusterId the cluster this node belongs to; its peers must name the same one
     * @param tls this node's certificate, key and the cluster CA for mutual TLS; empty for none
     * @param failStop where a fault of the node's own goes; a node process halts
     */
    public record Config(
            NodeId id,
            InetSocketAddress listen,
            Path dataDirectory,
            List<Member> controllers,
            int shardCount,
            int chunkBytes,
            boolean offHeap,
            HostOptions hostOptions,
            long tickMillis,
            String clusterId,
            Optional<TlsFiles> tls,
            FailStop failStop) {
        public Config {
            Check.argument(!controllers.isEmpty(), "at least one controller is needed");
            Check.argument(shardCount >= 1, "shard count must be positive, got %d", shardCount);
            controllers = List.copyOf(controllers);
        }

        /** The cluster id of a node not given one. */
        public static final String DEFAULT_CLUSTER_ID = "raftkv";

        /**
         * Ten shards, 1 MiB pulls, keys on the heap, default Raft timing, the default cluster id,
         * no TLS, halt on a fault.
         */
        public static Config of(
                NodeId id, InetSocketAddress listen, Path dataDirectory, List<Member> controllers) {
            return new Config(
                    id,
                    listen,
                    dataDirectory,
                    controllers,
                    10,
                    1 << 20,
                    false,
                    HostOptions.defaults(),
                    10,
                    DEFAULT_CLUSTER_ID,
                    Optional.empty(),
                    FailStop.haltProcess());
        }
    }

    private static final System.Logger LOG = System.getLogger(ShardKvNode.class.getName());
    private static final long DRIVE_MILLIS = 100;
    private static final int TICKS_PER_CONFIG_READ = 5;
    private static final int TICKS_PER_SNAPSHOT = 10;
    private static final int CONFIGS_PER_READ = 100;
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(1);

    private final Config config;
    private final RaftNode node;
    private final NettyGroupCaller caller;
    private final GroupRequests requests;
    private final ConfigSource configs;
    private final ReplicaRegistry replicas;
    private final StoreFactory stores;
    private final TreeMap<GroupId, ShardMigrator> migrators = new TreeMap<>();
    private final TreeMap<GroupId, MembershipDriver> membershipDrivers = new TreeMap<>();

    /** Groups a config lists this node in that it does not host yet: claims to make. */
    private final TreeMap<GroupId, List<Member>> unclaimed = new TreeMap<>();

    private final TreeSet<GroupId> claimsInFlight = new TreeSet<>();

    /** Groups whose replica on this node was claimed by another data directory. */
    private final TreeSet<GroupId> lost = new TreeSet<>();

    private boolean lostReported = true;

    private final ReplicaClaims claims;
    private long ticks;
    private ScheduledFuture<?> driving;

    /** This node's controller replica, if it is one of the controllers. */
    private ControllerSeat controllerSeat;

    /** Configs up to this number have been looked at for groups naming this node. Loop only. */
    private long reconciledUpTo;

    /**
     * Each group's members in the last config looked at that lists it: the members a group that has
     * left keeps (the controller changes no members of a group out of the config), toward which it
     * is driven and at which the migrators reach it. Loop only.
     */
    private final TreeMap<GroupId, List<Member>> lastListed = new TreeMap<>();

    private boolean reconciling;
    private boolean shardCountMismatch;
    private volatile ShardConfig latest;
    private volatile NodeSnapshot snapshot;

    private ShardKvNode(
            Config config, RaftNode node, ReplicaRegistry replicas, StoreFactory stores) {
        this.config = config;
        this.stores = stores;
        this.node = node;
        this.replicas = replicas;
        this.caller =
                new NettyGroupCaller(
                        "raftkv-" + config.id() + "-calls",
                        node.identity(),
                        task ->
                                node.loop()
                                        .execute(
                                                config.failStop()
                                                        .guard(config.id() + " migrating", task)),
                        ATTEMPT_TIMEOUT);
        this.requests = new GroupRequests(caller);
        this.configs = new ConfigSource(requests, config.controllers());
        this.claims = new ReplicaClaims(node, config.controllers(), requests);
        this.snapshot = NodeSnapshot.empty(config.id());
    }

    /** Recovers from the data directory, listens, and starts following the controller. */
    public static ShardKvNode start(Config config) throws IOException, InterruptedException {
        Map<NodeId, InetSocketAddress> peers = new TreeMap<>();
        for (Member controller : config.controllers()) {
            peers.put(controller.node(), controller.socketAddress());
        }
        boolean controller = peers.containsKey(config.id());
        List<NodeId> controllerIds = config.controllers().stream().map(Member::node).toList();
        peers.remove(config.id());
        int shards = config.shardCount();
        StoreFactory stores = new StoreFactory(config.offHeap(), config.dataDirectory());
        RaftNode node =
                RaftNode.start(
                        new RaftNode.Config(
                                config.id(),
                                config.listen(),
                                peers,
                                config.dataDirectory(),
                                Map.of(),
                                config.hostOptions(),
                                config.tickMillis(),
                                config.clusterId(),
                                config.tls(),
                                config.failStop()),
                        group ->
                                group.equals(GroupId.CONTROLLER)
                                        ? new ControllerStateMachine(shards, controllerIds)
                                        : new KvStateMachine(group, shards, stores.open(group)));
        ReplicaRegistry replicas = ReplicaRegistry.load(config.dataDirectory());
        ShardKvNode shardKvNode = new ShardKvNode(config, node, replicas, stores);
        Runnable restartReplicas =
                () ->
                        replicas.groups()
                                .forEach(
                                        (group, hosted) ->
                                                shardKvNode.host(
                                                        group,
                                                        hosted.members(),
                                                        hosted.bootstrap()));
        node.loop().submit(restartReplicas).syncUninterruptibly();
        shardKvNode.finishDeletions();
        if (controller) {
            shardKvNode.controllerSeat =
                    new ControllerSeat(node, config.controllers(), shardKvNode.claims);
        }
        shardKvNode.driving =
                node.loop()
                        .scheduleWithFixedDelay(
                                config.failStop()
                                        .guard(
                                                config.id() + " following the controller",
                                                shardKvNode::drive),
                                0,
                                DRIVE_MILLIS,
                                TimeUnit.MILLISECONDS);
        return shardKvNode;
    }

    public NodeId id() {
        return config.id();
    }

    public InetSocketAddress address() {
        return node.address();
    }

    /** The underlying Raft node (status, stats). */
    public RaftNode raftNode() {
        return node;
    }

    /** The latest config this node has read from the controller, if any. */
    public Optional<ShardConfig> latestConfig() {
        return Optional.ofNullable(latest);
    }

    /** The node as of its last snapshot (taken every second). Any thread. */
    public NodeSnapshot snapshot() {
        return snapshot;
    }

    /** One line per group this node started or stopped leading since the last snapshot. */
    private static void logLeadershipChanges(NodeSnapshot before, NodeSnapshot after) {
        Map<GroupId, Role> roles = new TreeMap<>();
        before.replicas().forEach(r -> roles.put(r.group(), r.raft().role()));
        for (NodeSnapshot.Replica replica : after.replicas()) {
            boolean leads = replica.raft().role() == Role.LEADER;
            boolean led = roles.get(replica.group()) == Role.LEADER;
            if (leads != led) {
                LOG.log(
                        Level.INFO,
                        "{0} {1} {2} (term {3})",
                        after.node(),
                        leads ? "leads" : "no longer leads",
                        replica.group(),
                        replica.raft().term());
            }
        }
    }

    /** Reads the node's state; on the loop. */
    private NodeSnapshot takeSnapshot() {
        List<NodeSnapshot.Replica> replicas = new ArrayList<>();
        for (GroupId group : node.host().groupIds()) {
            node.host()
                    .status(group)
                    .ifPresent(
                            status -> {
                                Optional<KvStateMachine> kv =
                                        node.stateMachine(group)
                                                .filter(KvStateMachine.class::isInstance)
                                                .map(KvStateMachine.class::cast);
                                replicas.add(
                                        new NodeSnapshot.Replica(
                                                group,
                                                status,
                                                kv.map(KvStateMachine::configNumber).orElse(-1L),
                                                kv.map(KvStateMachine::shardStatuses)
                                                        .orElse(new TreeMap<>())));
                            });
        }
        return new NodeSnapshot(
                id(),
                replicas,
                Optional.ofNullable(latest),
                node.host().proposals(),
                node.host().appliedEntries(),
                node.walStats(),
                node.framesSent(),
                node.framesReceived());
    }

    /** Every {@value #DRIVE_MILLIS} ms: follow the controller, and drive each group's migration. */
    private void drive() {
        if (ticks++ % TICKS_PER_CONFIG_READ == 0 && !reconciling) {
            reconciling = true;
            reconcileNext(CONFIGS_PER_READ);
        }
        migrators.values().forEach(ShardMigrator::tick);
        if (controllerSeat != null) {
            controllerSeat.tick();
        }
        claimUnclaimedReplicas();
        reportLostReplicas();
        if (latest != null) {
            driveMemberships(latest);
        }
        if (ticks % TICKS_PER_SNAPSHOT == 0) {
            NodeSnapshot previous = snapshot;
            snapshot = takeSnapshot();
            logLeadershipChanges(previous, snapshot);
        }
    }

    /**
     * Looks at every config after the last one looked at, in order, for groups that name this node:
     * a group joined and removed between two reads of the latest config must still hand back the
     * shards it was given. Numbered configs are cached, so a restart re-reads them cheaply.
     */
    private void reconcileNext(int budget) {
        if (budget == 0) {
            reconciling = false; // the rest at the next read, without a deep recursion
            return;
        }
        configs.fetch(
                reconciledUpTo + 1,
                found -> {
                    if (found.isEmpty() || found.get().number() != reconciledUpTo + 1) {
                        found.ifPresent(this::noteLatest);
                        reconciling = false;
                        return;
                    }
                    ShardConfig config = found.get();
                    noteLatest(config);
                    if (config.shardCount() != this.config.shardCount()) {
                        reconciling = false;
                        if (shardCountMismatch) {
                            return;
                        }
                        shardCountMismatch = true;
                        LOG.log(
                                Level.ERROR,
                                "{0} has {1} shards but the controller''s configs have {2}:"
                                        + " give every node the same --shards; hosting nothing",
                                id(),
                                this.config.shardCount(),
                                config.shardCount());
                        return;
                    }
                    hostGroupsNamingThisNode(config);
                    reconciledUpTo = config.number();
                    reconcileNext(budget - 1);
                });
    }

    private void noteLatest(ShardConfig config) {
        if (latest == null || config.number() > latest.number()) {
            latest = config;
        }
    }

    /**
     * Notes every group {@code config} lists this node in that it does not host: each is claimed at
     * the controller before it is started. Also learns the address of every member of every group,
     * hosted here or not: a replica must reach every node of its group's Raft membership, which may
     * still hold a node that only configs from before this node hosted the group list. NB: a
     * drained node may lead its group until it removes itself; learning only the hosted groups'
     * members, the replica that replaced it dropped its answers to that leader for want of an
     * address, never caught up, and the drain never finished.
     */
    private void hostGroupsNamingThisNode(ShardConfig config) {
        for (var entry : config.groups().entrySet()) {
            GroupId group = entry.getKey();
            List<Member> members = entry.getValue();
            lastListed.put(group, members);
            members.forEach(member -> node.addPeer(member.node(), member.socketAddress()));
            boolean named = members.stream().anyMatch(m -> m.node().equals(id()));
            if (!migrators.containsKey(group) && named && !lost.contains(group)) {
                unclaimed.put(group, members);
            }
        }
    }

    /** Claims, at the controller, each replica a config names this node for that it lacks. */
    private void claimUnclaimedReplicas() {
        for (var entry : unclaimed.entrySet()) {
            GroupId group = entry.getKey();
            if (claimsInFlight.add(group)) {
                List<Member> members = entry.getValue();
                claims.claim(group, answer -> onClaimAnswer(group, members, answer));
            }
        }
    }

    private void onClaimAnswer(
            GroupId group, List<Member> members, Optional<ControllerResult> answer) {
        claimsInFlight.remove(group);
        if (answer.isEmpty() || !unclaimed.containsKey(group)) {
            return; // no answer: claimed again at the next drive
        }
        switch (answer.get()) {
            case ControllerResult.Claimed claimed -> {
                unclaimed.remove(group);
                Membership bootstrap = bootstrapMembership(members, claimed);
                replicas.add(group, new ReplicaRegistry.Hosted(members, bootstrap));
                host(group, members, bootstrap);
                LOG.log(
                        Level.INFO,
                        "{0} hosts a replica of {1} ({2})",
                        id(),
                        group,
                        claimed.founding() ? "a founder" : "added as a learner");
            }
            case ControllerResult.Rejected rejected
                    when rejected.reason() == ControllerResult.Reason.CLAIMED_ELSEWHERE -> {
                unclaimed.remove(group);
                lost.add(group);
                lostReported = false;
            }
            case ControllerResult.Rejected rejected -> {
                unclaimed.remove(group); // no longer a member: nothing to host
                LOG.log(Level.INFO, "{0} does not host {1}: {2}", id(), group, rejected.message());
            }
            case ControllerResult.Done done -> {}
            case ControllerResult.Config ignored -> {}
        }
    }

    /**
     * The membership a new replica starts with: a founder's is the group's founders, all voters; a
     * replica added later starts as a learner beside the other members, so it never votes before
     * the group's log makes it a voter.
     */
    private Membership bootstrapMembership(List<Member> members, ControllerResult.Claimed claimed) {
        if (claimed.founding()) {
            return new Membership(claimed.founders());
        }
        List<NodeId> voters =
                members.stream().map(Member::node).filter(n -> !n.equals(id())).toList();
        return new Membership(voters.isEmpty() ? claimed.founders() : voters, List.of(id()));
    }

    /** One line, whenever groups were found lost: which, and the commands that bring them back. */
    private void reportLostReplicas() {
        if (lostReported || lost.isEmpty()) {
            return;
        }
        lostReported = true;
        String groups = String.join(", ", lost.stream().map(GroupId::toString).toList());
        String replaces =
                String.join(
                        "; ",
                        lost.stream()
                                .map(
                                        group ->
                                                "raftkv admin replace %d %d NEW_ID@HOST:PORT"
                                                        .formatted(group.value(), id().value()))
                                .toList());
        LOG.log(
                Level.ERROR,
                "{0} has a new data directory, but its replicas of {1} were started with another"
                        + " one: a node without its data is a new node, so {0} hosts none of them."
                        + " Start it under a new id with an empty data directory, then run: {2}",
                id(),
                groups,
                replaces);
    }

    /**
     * Moves each hosted group's membership toward the latest config's members while this node leads
     * it, and deletes a replica the config dropped once its log says it was removed. A group that
     * has left is moved toward the members it last had, once every config up to the latest has been
     * looked at: a change under way when it left is finished, so its log does not go on counting a
     * replica its config dropped (other groups reach it at the members its configs list).
     */
    private void driveMemberships(ShardConfig config) {
        for (GroupId group : List.copyOf(membershipDrivers.keySet())) {
            Optional<Recovery> recovery = config.recovery(group);
            if (recovery.isPresent() && !followRecovery(group, recovery.get())) {
                continue; // this replica was cut off and is gone
            }
            List<Member> members = config.groups().get(group);
            if (members == null && reconciledUpTo >= config.number()) {
                members = lastListed.get(group);
            }
            if (members == null) {
                continue; // left before the configs looked at: members as they are, for now
            }
            TreeSet<NodeId> wanted = new TreeSet<>();
            members.forEach(member -> wanted.add(member.node()));
            if (!wanted.contains(id()) && removedFromOwnLog(group)) {
                unhost(group, "it was removed from the group");
            } else {
                membershipDrivers.get(group).tick(wanted);
            }
        }
    }

    /**
     * Follows an unsafe recovery of {@code group} ({@code raftkv admin unsafe-recover}): a replica
     * on a fenced node is deleted at once, since the group went on without it; every other replica
     * drops the fenced nodes' messages; and the survivor makes itself the group's only voter, once.
     * Returns false if this node's replica was deleted.
     */
    private boolean followRecovery(GroupId group, Recovery recovery) {
        if (recovery.fenced().contains(id())) {
            unhost(
                    group,
                    "an unsafe recovery made " + recovery.survivor() + " the group's only voter");
            return false;
        }
        node.host().fence(group, recovery.fenced());
        boolean holdsFenced =
                node.host()
                        .status(group)
                        .map(
                                status ->
                                        recovery.fenced().stream()
                                                .anyMatch(status.membership()::contains))
                        .orElse(false);
        if (recovery.survivor().equals(id()) && holdsFenced && node.host().forceSoleVoter(group)) {
            LOG.log(
                    Level.WARNING,
                    "{0} made its replica of {1} the group''s only voter (unsafe recovery): writes"
                            + " acknowledged by the lost replicas but missing here are lost",
                    id(),
                    group);
        }
        return true;
    }

    /**
     * Whether this node's replica of {@code group} holds its own removal, committed: before the
     * commit, the entry could still be overwritten and the group count this replica again.
     */
    private boolean removedFromOwnLog(GroupId group) {
        return node.host()
                .status(group)
                .map(
                        status ->
                                !status.membership().contains(id())
                                        && status.commitIndex() >= status.membershipIndex())
                .orElse(false);
    }

    /**
     * Deletes again what the write-ahead log still holds of replicas this node deleted: a deletion
     * is durable in the registry at once, in the log once its writer has synced it, so a crash
     * between the two leaves the log holding a group nothing hosts, whose entries would keep old
     * segments forever.
     */
    private void finishDeletions() {
        for (GroupId group : replicas.deleted()) {
            if (node.hadStoredState(group)) {
                LOG.log(
                        Level.INFO,
                        "{0} deletes what its log still held of its deleted replica of {1}",
                        id(),
                        group);
                node.removeGroup(group).join();
            }
        }
    }

    /**
     * Deletes this node's replica of {@code group}, which the group no longer counts, saying {@code
     * why}.
     */
    private void unhost(GroupId group, String why) {
        migrators.remove(group);
        membershipDrivers.remove(group);
        replicas.remove(group);
        node.removeGroup(group);
        LOG.log(Level.INFO, "{0}''s replica of {1} is deleted: {2}", id(), group, why);
    }

    /** Starts this node's replica of {@code group} and its migration and membership drivers. */
    private void host(GroupId group, List<Member> members, Membership bootstrap) {
        for (Member member : members) {
            node.addPeer(member.node(), member.socketAddress());
        }
        node.addGroup(group, bootstrap)
                .whenCompleteAsync(
                        (started, failure) -> {
                            if (failure != null) {
                                LOG.log(
                                        Level.ERROR,
                                        "could not start the replica of " + group + "; will retry",
                                        failure);
                                migrators.remove(group);
                                membershipDrivers.remove(group);
                                reconciledUpTo = 0;
                            }
                        },
                        node.loop());
        LocalReplica local = new LocalReplica(group);
        migrators.put(
                group,
                new ShardMigrator(
                        local,
                        requests,
                        configs,
                        other -> lastListed.getOrDefault(other, List.of()),
                        config.chunkBytes()));
        membershipDrivers.put(group, new MembershipDriver(id(), local));
    }

    /**
     * This node's replica of a group, as its migration and membership drivers see it. Loop only.
     */
    private final class LocalReplica
            implements ShardMigrator.LocalGroup, MembershipDriver.LocalGroup {
        private final GroupId group;

        LocalReplica(GroupId group) {
            this.group = group;
        }

        @Override
        public GroupId id() {
            return group;
        }

        @Override
        public boolean isLeader() {
            return node.host().status(group).map(s -> s.role() == Role.LEADER).orElse(false);
        }

        @Override
        public MigrationView view() {
            return stateMachine().migrationView();
        }

        private KvStateMachine stateMachine() {
            QueryableStateMachine found = node.stateMachine(group).orElseThrow();
            return (KvStateMachine) found;
        }

        @Override
        public void propose(KvCommand command, Consumer<Optional<KvResult>> done) {
            ShardMigrator.LocalGroup.proposeOn(node.host(), group, KvCodec.encode(command), done);
        }

        @Override
        public Optional<RaftStatus> status() {
            return node.host().status(group);
        }

        @Override
        public Map<NodeId, Long> matchIndexes() {
            return node.host().matchIndexes(group);
        }

        @Override
        public ChangeResult change(MembershipChange change, Consumer<ProposalOutcome> done) {
            return node.host().changeMembership(group, change, done);
        }

        @Override
        public boolean transferLeadership(NodeId target) {
            return node.host().transferLeadership(group, target);
        }
    }

    /** Stops following the controller and closes the node after the writes handed to its log. */
    @Override
    public void close() throws IOException {
        driving.cancel(false);
        if (controllerSeat != null) {
            node.loop().submit(controllerSeat::close).syncUninterruptibly();
        }
        node.close();
        caller.close();
        stores.close();
    }
}
