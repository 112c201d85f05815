package io.raftkv.shardkv.sharded;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.ChangeResult;
import io.raftkv.raft.core.MembershipChange;
import io.raftkv.raft.core.RaftStatus;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.sim.Simulation;
import io.raftkv.shardkv.kv.KvCodec;
import io.raftkv.shardkv.kv.KvCommand;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.kv.MigrationView;
import io.raftkv.shardkv.server.MembershipDriver;
import io.raftkv.shardkv.server.ShardMigrator;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** A replica as its node's migration and membership drivers see it. */
final class SimLocalGroup implements ShardMigrator.LocalGroup, MembershipDriver.LocalGroup {
    private final Simulation sim;
    private final NodeId node;
    private final GroupId group;
    private final BooleanSupplier alive;

    SimLocalGroup(Simulation sim, NodeId node, GroupId group, BooleanSupplier alive) {
        this.sim = sim;
        this.node = node;
        this.group = group;
        this.alive = alive;
    }

    @Override
    public GroupId id() {
        return group;
    }

    @Override
    public boolean isLeader() {
        return alive.getAsBoolean()
                && sim.status(node, group).map(s -> s.role() == Role.LEADER).orElse(false);
    }

    @Override
    public MigrationView view() {
        return ShardKvSim.stateMachine(sim, node, group).migrationView();
    }

    @Override
    public void propose(KvCommand command, Consumer<Optional<KvResult>> done) {
        if (!alive.getAsBoolean()) {
            done.accept(Optional.empty());
            return;
        }
        ShardMigrator.LocalGroup.proposeOn(
                sim.node(node).host(),
                group,
                KvCodec.encode(command),
                result -> {
                    if (alive.getAsBoolean()) {
                        done.accept(result);
                    }
                });
    }

    @Override
    public Optional<RaftStatus> status() {
        return alive.getAsBoolean() ? sim.status(node, group) : Optional.empty();
    }

    @Override
    public Map<NodeId, Long> matchIndexes() {
        return alive.getAsBoolean() ? sim.node(node).host().matchIndexes(group) : Map.of();
    }

    @Override
    public ChangeResult change(MembershipChange change, Consumer<ProposalOutcome> done) {
        return sim.node(node)
                .host()
                .changeMembership(
                        group,
                        change,
                        outcome -> {
                            if (alive.getAsBoolean()) {
                                done.accept(outcome);
                            }
                        });
    }

    @Override
    public boolean transferLeadership(NodeId target) {
        return alive.getAsBoolean() && sim.node(node).host().transferLeadership(group, target);
    }
}
