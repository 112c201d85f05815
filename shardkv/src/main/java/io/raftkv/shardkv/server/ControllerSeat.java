package io.raftkv.shardkv.server;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.raft.core.Membership;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.raft.node.RaftNode;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.command.ControllerCodec;
import io.raftkv.shardctrler.command.ControllerCommand;
import io.raftkv.shardctrler.command.ControllerResult;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.route.GroupRequests;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Whether this node may host its replica of the controller group (group 0), and its claim of it.
 *
 * <p>A controller replica whose node's data directory held a log for group 0 starts at once. One
 * without (a first start, or a disk lost) must not vote as a blank replica in a group that already
 * has a log, so it first asks the other controllers for their {@link ReplicaReport}s. If every
 * other controller answers that it has no log yet, the controller group is being founded and the
 * replica starts. If one has a log, the replica is claimed first, like every replica group's
 * (DESIGN.md rule 7): the first data directory to claim a controller replica owns it, so a node
 * back without its data is refused, hosts no controller replica, and says so. Every controller
 * replica that runs also claims itself once the group answers, so that a later start with a blank
 * disk is recognised. NB: a controller replica that ran during the group's first seconds and lost
 * its disk before its claim committed is not recognised; see docs/architecture.md.
 *
 * <p>Runs on the node's loop; {@link #tick} is called every drive.
 */
final class ControllerSeat implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerSeat.class.getName());
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private enum State {
        PROBING,
        CLAIMING,
        HOSTED_UNCLAIMED,
        DONE
    }

    private final RaftNode node;
    private final List<Member> controllers;
    private final GroupRequests requests;
    private final long clientId = new SecureRandom().nextLong();
    private long sequence;
    private State state;
    private boolean inFlight;
    private RaftClient probes;

    /** Starts the replica now if the node had a log for group 0 or is the only controller. */
    ControllerSeat(RaftNode node, List<Member> controllers, GroupRequests requests) {
        this.node = node;
        this.controllers = List.copyOf(controllers);
        this.requests = requests;
        if (node.hadStoredState(GroupId.CONTROLLER) || controllers.size() == 1) {
            host();
        } else {
            state = State.PROBING;
        }
    }

    /** One step: probe, claim, or nothing once done. */
    void tick() {
        if (inFlight) {
            return;
        }
        switch (state) {
            case PROBING -> probe();
            case CLAIMING, HOSTED_UNCLAIMED -> claim();
            case DONE -> {}
        }
    }

    private void host() {
        node.addGroup(
                GroupId.CONTROLLER,
                new Membership(controllers.stream().map(Member::node).toList()));
        state = State.HOSTED_UNCLAIMED;
    }

    /** Asks the other controllers, off the loop, whether any of them has a log for group 0. */
    private void probe() {
        if (probes == null) {
            Map<NodeId, InetSocketAddress> others = new TreeMap<>();
            controllers.stream()
                    .filter(member -> !member.node().equals(node.id()))
                    .forEach(member -> others.put(member.node(), member.socketAddress()));
            probes = new RaftClient(others, PROBE_TIMEOUT, node.identity());
        }
        inFlight = true;
        List<CompletableFuture<ClientReply>> answers = new ArrayList<>();
        for (Member member : controllers) {
            if (!member.node().equals(node.id())) {
                answers.add(
                        probes.send(
                                member.node(),
                                new ClientRequest.Status(++sequence, GroupId.CONTROLLER)));
            }
        }
        CompletableFuture.allOf(
                        answers.stream()
                                .map(a -> a.exceptionally(e -> null))
                                .toArray(CompletableFuture[]::new))
                .thenRunAsync(() -> onProbed(answers), node.loop());
    }

    private void onProbed(List<CompletableFuture<ClientReply>> answers) {
        inFlight = false;
        boolean allBlank = true;
        for (CompletableFuture<ClientReply> answer : answers) {
            ClientReply reply = answer.getNow(null);
            if (reply instanceof ClientReply.Value value) {
                ReplicaReport report = ReplicaReport.decode(value.value());
                if (report.term() > 0 || report.commitIndex() > 0) {
                    closeProbes();
                    state = State.CLAIMING; // the group has a log: claim before voting
                    return;
                }
            } else if (!(reply instanceof ClientReply.NotLeader)) {
                allBlank = false; // no answer: that controller may hold the group's log
            }
        }
        if (allBlank) {
            closeProbes();
            host(); // every other controller is blank too: the group is being founded
        }
    }

    private void claim() {
        inFlight = true;
        byte[] claim =
                ControllerCodec.encode(
                        new ControllerCommand.Claim(
                                clientId,
                                ++sequence,
                                GroupId.CONTROLLER,
                                node.id(),
                                node.incarnation()));
        requests.call(GroupId.CONTROLLER, controllers, false, claim, this::onClaimAnswer);
    }

    private void onClaimAnswer(Optional<ClientReply> reply) {
        inFlight = false;
        if (!(reply.orElse(null) instanceof ClientReply.Applied applied)) {
            return; // asked again at the next tick
        }
        switch (ControllerCodec.decodeResult(applied.result())) {
            case ControllerResult.Claimed claimed -> {
                if (state == State.CLAIMING) {
                    host();
                }
                state = State.DONE;
            }
            case ControllerResult.Rejected rejected
                    when rejected.reason() != ControllerResult.Reason.CLAIMED_ELSEWHERE -> {
                state = State.DONE;
                LOG.log(
                        Level.WARNING,
                        "{0} could not claim its controller replica: {1}",
                        node.id(),
                        rejected.message());
            }
            case ControllerResult.Rejected rejected -> {
                state = State.DONE;
                LOG.log(
                        Level.ERROR,
                        "{0} has a new data directory, but its replica of the controller group"
                                + " was started with another one: {0} hosts no controller replica"
                                + " ({1}). The controller group goes on with the others; keep"
                                + " a majority of them alive.",
                        node.id(),
                        rejected.message());
            }
            case ControllerResult.Done done -> {}
            case ControllerResult.Config config -> {}
        }
    }

    private void closeProbes() {
        if (probes != null) {
            probes.close();
            probes = null;
        }
    }

    @Override
    public void close() {
        closeProbes();
    }
}
