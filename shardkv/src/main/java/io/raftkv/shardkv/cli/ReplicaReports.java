package io.raftkv.shardkv.cli;

import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.node.ClientReply;
import io.raftkv.raft.node.ClientRequest;
import io.raftkv.raft.node.RaftClient;
import io.raftkv.raft.node.ReplicaReport;
import io.raftkv.shardctrler.config.Member;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Asks the members of groups for their {@link ReplicaReport}s ({@link ClientRequest.Status}), for
 * {@code admin status} and for the admin commands that wait until a membership change is done.
 */
final class ReplicaReports implements AutoCloseable {
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);

    private final RaftClient client;
    private final AtomicLong requestIds = new AtomicLong();

    /** A client of the nodes in {@code members}, dialing as {@code identity}. */
    ReplicaReports(Collection<Member> members, EndpointIdentity identity) {
        Map<NodeId, InetSocketAddress> addresses = new TreeMap<>();
        members.forEach(member -> addresses.put(member.node(), member.socketAddress()));
        this.client = new RaftClient(addresses, ANSWER_TIMEOUT, identity);
    }

    /** A client of every member in {@code memberLists}, dialing as the command line does. */
    static ReplicaReports of(Collection<List<Member>> memberLists, ClusterOptions cluster) {
        List<Member> everyone = new ArrayList<>();
        memberLists.forEach(everyone::addAll);
        return new ReplicaReports(everyone, cluster.clientIdentity());
    }

    /**
     * The report of the member that leads {@code group} in the newest term, if any member that
     * answered leads it: the one whose membership and match indexes are the group's.
     */
    Optional<ReplicaReport> leader(GroupId group, List<Member> members) {
        List<CompletableFuture<ClientReply>> answers = new ArrayList<>();
        for (Member member : members) {
            answers.add(
                    client.send(
                            member.node(),
                            new ClientRequest.Status(requestIds.incrementAndGet(), group)));
        }
        ReplicaReport best = null;
        for (CompletableFuture<ClientReply> answer : answers) {
            Optional<ReplicaReport> report = report(answer);
            if (report.isPresent()
                    && report.get().role() == Role.LEADER
                    && (best == null || report.get().term() > best.term())) {
                best = report.get();
            }
        }
        return Optional.ofNullable(best);
    }

    private static Optional<ReplicaReport> report(CompletableFuture<ClientReply> answer) {
        try {
            if (answer.join() instanceof ClientReply.Value value) {
                return Optional.of(ReplicaReport.decode(value.value()));
            }
        } catch (RuntimeException noAnswer) {
            // a node that is down, does not host the group, or answers nonsense: no report
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        client.close();
    }
}
