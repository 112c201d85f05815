package io.raftkv.raft.node;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.Origin;
import io.raftkv.raft.core.ProposeResult;
import io.raftkv.raft.core.ReadResult;
import io.raftkv.raft.core.Rejection;
import io.raftkv.raft.host.GroupHost;
import io.raftkv.raft.host.ProposalOutcome;
import io.raftkv.raft.host.ReadOutcome;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Serves {@link ClientRequest}s against a host's groups: proposals through the log, reads through
 * ReadIndex and the state machine's query. Every request gets exactly one {@link ClientReply}, now
 * or later; one its sender may not issue ({@link Access}) is refused as {@link
 * ClientReply.Forbidden} and changes nothing. Called on the host's loop; replies are handed over on
 * it.
 */
public final class ClientService {
    private ClientService() {}

    /**
     * Serves {@code request} from {@code origin}; {@code stateMachine} is the host's state machine
     * of the request's group, null if it hosts no such group.
     */
    public static void serve(
            GroupHost host,
            QueryableStateMachine stateMachine,
            ClientRequest request,
            Origin origin,
            Consumer<ClientReply> reply) {
        if (stateMachine == null) {
            reply.accept(new ClientReply.NotLeader(request.requestId(), 0));
            return;
        }
        switch (request) {
            case ClientRequest.Propose propose ->
                    propose(host, propose, stateMachine, origin, reply);
            case ClientRequest.Status status ->
                    reply.accept(
                            new ClientReply.Value(
                                    status.requestId(),
                                    ReplicaReport.of(
                                                    host.status(status.group()).orElseThrow(),
                                                    host.matchIndexes(status.group()))
                                            .encode()));
            case ClientRequest.Read read -> {
                Access access = stateMachine.queryAccess(read.query());
                if (access.allows(origin)) {
                    read(host, read, stateMachine, reply);
                } else {
                    reply.accept(
                            new ClientReply.Forbidden(
                                    read.requestId(), access.refusal("this read")));
                }
            }
        }
    }

    private static void propose(
            GroupHost host,
            ClientRequest.Propose propose,
            QueryableStateMachine stateMachine,
            Origin origin,
            Consumer<ClientReply> reply) {
        long id = propose.requestId();
        Optional<Access> access = stateMachine.commandAccess(propose.command());
        if (access.isEmpty()) {
            reply.accept(new ClientReply.Invalid(id, "malformed command for this group"));
            return;
        }
        if (!access.get().allows(origin)) {
            reply.accept(new ClientReply.Forbidden(id, access.get().refusal("this command")));
            return;
        }
        ProposeResult result =
                host.propose(
                        propose.group(),
                        propose.command(),
                        outcome ->
                                reply.accept(
                                        switch (outcome) {
                                            case ProposalOutcome.Applied applied ->
                                                    new ClientReply.Applied(
                                                            id,
                                                            applied.index(),
                                                            resultBytes(applied.result()));
                                            case ProposalOutcome.Unknown unknown ->
                                                    new ClientReply.Unknown(
                                                            id, hint(unknown.leaderHint()));
                                        }));
        switch (result) {
            case ProposeResult.Accepted accepted -> {}
            case ProposeResult.TooLarge tooLarge ->
                    reply.accept(new ClientReply.TooLarge(id, tooLarge.reason()));
            case Rejection rejection -> reply.accept(rejected(id, rejection));
        }
    }

    private static void read(
            GroupHost host,
            ClientRequest.Read read,
            QueryableStateMachine stateMachine,
            Consumer<ClientReply> reply) {
        long id = read.requestId();
        ReadResult result =
                host.read(
                        read.group(),
                        read.query().length,
                        outcome ->
                                reply.accept(
                                        switch (outcome) {
                                            case ReadOutcome.Confirmed confirmed ->
                                                    new ClientReply.Value(
                                                            id, stateMachine.query(read.query()));
                                            case ReadOutcome.NotLeader notLeader ->
                                                    new ClientReply.NotLeader(
                                                            id, hint(notLeader.leaderHint()));
                                        }));
        if (result instanceof Rejection rejection) {
            reply.accept(rejected(id, rejection));
        }
    }

    private static ClientReply rejected(long requestId, Rejection rejection) {
        return switch (rejection) {
            case Rejection.NotLeader notLeader ->
                    new ClientReply.NotLeader(requestId, hint(notLeader.hint()));
            case Rejection.Overloaded overloaded ->
                    new ClientReply.Overloaded(requestId, overloaded.reason());
        };
    }

    private static byte[] resultBytes(Object result) {
        return result instanceof byte[] bytes ? bytes : new byte[0];
    }

    private static int hint(Optional<NodeId> leader) {
        return leader.map(NodeId::value).orElse(0);
    }
}
