package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.Origin;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.ClientService;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.raft.sim.NetworkFaults;
import io.raftkv.raft.sim.SimNode;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.route.GroupCaller;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A {@link GroupCaller} over the simulated network: the request and the reply each take one hop
 * with the network's delays and losses, and reach a node only while its link is up; the node serves
 * the request exactly as a real node does ({@link ClientService}), a node's calls as a peer's and a
 * client's as an admin client's. No reply within {@value #ATTEMPT_MILLIS} ms of virtual time
 * answers empty.
 */
final class SimGroupCaller implements GroupCaller {
    static final long ATTEMPT_MILLIS = 200;

    private final Simulation sim;
    private final NodeId from;
    private final BooleanSupplier alive;
    private long nextRequestId;

    /**
     * @param from the node calling (its links count), or null for a client outside the cluster
     * @param alive false once the caller is gone (its node crashed): answers are then dropped
     */
    SimGroupCaller(Simulation sim, NodeId from, BooleanSupplier alive) {
        this.sim = sim;
        this.from = from;
        this.alive = alive;
    }

    @Override
    public void call(
            Member target,
            GroupId group,
            boolean read,
            byte[] payload,
            Consumer<Optional<ClientReply>> answer) {
        long id = ++nextRequestId;
        ClientRequest request = GroupCaller.request(id, group, read, payload);
        boolean[] answered = new boolean[1];
        Consumer<Optional<ClientReply>> once =
                reply -> {
                    if (!answered[0]) {
                        answered[0] = true;
                        if (alive.getAsBoolean()) {
                            answer.accept(reply);
                        }
                    }
                };
        sim.scheduler().schedule(ATTEMPT_MILLIS, () -> once.accept(Optional.empty()));
        NodeId server = target.node();
        hop(server, true, () -> serve(server, group, request, once));
    }

    private void serve(
            NodeId server,
            GroupId group,
            ClientRequest request,
            Consumer<Optional<ClientReply>> answer) {
        SimNode node = sim.node(server);
        if (node == null || !node.isUp()) {
            return;
        }
        QueryableStateMachine stateMachine =
                node.stateMachine(group)
                        .filter(QueryableStateMachine.class::isInstance)
                        .map(QueryableStateMachine.class::cast)
                        .orElse(null);
        ClientService.serve(
                node.host(),
                stateMachine,
                request,
                from == null ? new Origin.Admin() : new Origin.Peer(from),
                reply -> hop(server, false, () -> answer.accept(Optional.of(reply))));
    }

    private void hop(NodeId server, boolean request, Runnable deliver) {
        NetworkFaults faults = sim.network().faults();
        double dropRate = request ? faults.requestDropRate() : faults.replyDropRate();
        if (!reachable(server) || (dropRate > 0 && sim.random().nextDouble() < dropRate)) {
            return;
        }
        long delay = sim.random().nextLong(faults.delayMinMillis(), faults.delayMaxMillis() + 1);
        sim.scheduler()
                .schedule(
                        delay,
                        () -> {
                            if (reachable(server)) {
                                deliver.run();
                            }
                        });
    }

    private boolean reachable(NodeId server) {
        return from == null
                ? sim.network().isConnected(server)
                : sim.network().linkUp(from, server);
    }
}
