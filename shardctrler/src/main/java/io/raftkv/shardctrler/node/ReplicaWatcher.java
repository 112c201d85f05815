package io.raftkv.shardctrler.node;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.node.RaftNode;
import io.raftkv.shardctrler.client.ControllerClient;
import io.raftkv.shardctrler.client.ControllerUnavailableException;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardctrler.config.ShardConfig;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a node's replicas in line with the controller: every {@code interval} it reads the latest
 * config and starts a replica of each group that lists this node (learning its peers' addresses
 * from the config), and stops and deletes replicas of groups no longer in it. Groups in {@code
 * fixedGroups} (the controller's own) are never touched. If the controller cannot be reached,
 * nothing changes.
 *
 * <p>NB: dropping a group as soon as it leaves the config is right for groups without data to hand
 * over; the sharded KV store hands its shards over first (issue 5).
 */
public final class ReplicaWatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReplicaWatcher.class.getName());

    private final RaftNode node;
    private final ControllerClient controller;
    private final Set<GroupId> fixedGroups;
    private final ScheduledExecutorService timer;
    private long lastApplied = -1;

    public ReplicaWatcher(
            RaftNode node,
            ControllerClient controller,
            Set<GroupId> fixedGroups,
            Duration interval) {
        this.node = node;
        this.controller = controller;
        this.fixedGroups = Set.copyOf(fixedGroups);
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        runnable -> {
                            Thread thread = new Thread(runnable, "raftkv-replica-watcher");
                            thread.setDaemon(true);
                            return thread;
                        });
        timer.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void poll() {
        try {
            ShardConfig config = controller.query(-1);
            if (config.number() != lastApplied) {
                reconcile(config);
                lastApplied = config.number();
            }
        } catch (ControllerUnavailableException e) {
            LOG.log(Level.DEBUG, "controller unavailable: {0}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not apply the controller's config", e);
        }
    }

    /** Starts the replicas {@code config} gives this node; stops those of groups it dropped. */
    void reconcile(ShardConfig config) {
        NodeId self = node.id();
        for (var entry : config.groups().entrySet()) {
            List<Member> members = entry.getValue();
            if (members.stream().noneMatch(member -> member.node().equals(self))) {
                continue;
            }
            for (Member member : members) {
                node.addPeer(member.node(), address(member));
            }
            node.addGroup(
                            entry.getKey(),
                            new Membership(members.stream().map(Member::node).toList()))
                    .join();
        }
        for (GroupId hosted : node.groups()) {
            boolean listsMe =
                    config.groups().getOrDefault(hosted, List.of()).stream()
                            .anyMatch(member -> member.node().equals(self));
            if (!fixedGroups.contains(hosted) && !listsMe) {
                node.removeGroup(hosted).join();
            }
        }
    }

    private static InetSocketAddress address(Member member) {
        int colon = member.address().lastIndexOf(':');
        return new InetSocketAddress(
                member.address().substring(0, colon),
                Integer.parseInt(member.address().substring(colon + 1)));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
