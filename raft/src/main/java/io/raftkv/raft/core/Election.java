package io.raftkv.raft.core;

import io.raftkv.common.NodeId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.core.Message.RequestVote;
import io.raftkv.raft.core.Message.RequestVoteResponse;
import io.raftkv.raft.core.Message.TimeoutNow;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A replica's elections (Raft section 5.2, thesis section 9.6 for pre-vote): the election timeout,
 * campaigns, the votes a candidate or pre-candidate received in its current round, and the answers
 * to other replicas' vote requests.
 *
 * <p>It handles {@link RequestVote}, {@link RequestVoteResponse} and {@link TimeoutNow} once {@link
 * RaftReplica#step} has applied the term rules, and changes roles only through the replica's {@code
 * become...} methods, which call {@link #clearVotes()}. Owned by its {@link RaftReplica}, on its
 * thread.
 */
final class Election {
    private final RaftReplica replica;
    private final RaftOptions options;
    private final RaftLog log;
    private final ElectionTimer timer;

    /** Candidates and pre-candidates: the votes received in the current round. */
    private final TreeMap<NodeId, Boolean> votes = new TreeMap<>();

    Election(RaftReplica replica, RaftOptions options, RaftLog log, ElectionTimer timer) {
        this.replica = replica;
        this.options = options;
        this.log = log;
        this.timer = timer;
    }

    /** Forgets the current round's votes: the role changed. */
    void clearVotes() {
        votes.clear();
    }

    void tickElection() {
        timer.tick();
        if (timer.timedOut()) {
            campaign(false);
        }
    }

    /** Starts an election, with a pre-vote round first unless a leader asked for it. */
    private void campaign(boolean leadershipTransfer) {
        NodeId id = replica.id();
        Membership membership = replica.membership();
        boolean removedButCampaigns =
                !membership.contains(id) && PlantedBugs.planted(RaftBug.REMOVED_REPLICA_VOTES);
        if (!membership.isVoter(id) && !removedButCampaigns) {
            return;
        }
        if (options.preVote() && !leadershipTransfer) {
            replica.becomePreCandidate();
        } else {
            replica.becomeCandidate();
        }
        requestVotes(leadershipTransfer);
    }

    private void requestVotes(boolean leadershipTransfer) {
        NodeId id = replica.id();
        boolean preVote = replica.role() == Role.PRE_CANDIDATE;
        votes.put(id, true);
        if (tallyVotes()) {
            return;
        }
        long voteTerm = preVote ? replica.term() + 1 : replica.term();
        for (NodeId peer : otherVoters()) {
            replica.send(
                    new RequestVote(
                            id,
                            peer,
                            voteTerm,
                            log.lastIndex(),
                            log.lastTerm(),
                            preVote,
                            leadershipTransfer));
        }
    }

    /** The other voters: whom a candidate asks for votes. */
    private List<NodeId> otherVoters() {
        NodeId id = replica.id();
        return replica.membership().voters().stream().filter(voter -> !voter.equals(id)).toList();
    }

    /** Acts on the votes so far; returns true if the round is decided. */
    private boolean tallyVotes() {
        return switch (Quorum.voteResult(replica.membership().voters().size(), votes.values())) {
            case WON -> {
                if (replica.role() == Role.PRE_CANDIDATE) {
                    replica.becomeCandidate();
                    requestVotes(false);
                } else {
                    replica.becomeLeader();
                }
                yield true;
            }
            case LOST -> {
                replica.becomeFollower(replica.term(), Optional.empty());
                yield true;
            }
            case PENDING -> false;
        };
    }

    /**
     * Grants a vote as Raft section 5.4.1 says, whatever this replica's own membership (thesis
     * section 4.1): a learner whose promotion has not reached it yet may be needed for a majority.
     * NB: except a replica with an empty log that is no voter in its own view (a learner just
     * added): it can have promised nothing, and its vote would go to any log.
     */
    void handleRequestVote(RequestVote request) {
        long term = replica.term();
        Optional<NodeId> votedFor = replica.votedFor();
        boolean mayVote = replica.membership().isVoter(replica.id()) || log.lastIndex() > 0;
        boolean canVote =
                mayVote
                        && (votedFor.equals(Optional.of(request.from()))
                                || (votedFor.isEmpty() && replica.leader().isEmpty())
                                || (request.preVote() && request.term() > term));
        boolean granted = canVote && log.isUpToDate(request.lastLogIndex(), request.lastLogTerm());
        long answerTerm = granted ? request.term() : term;
        replica.send(
                new RequestVoteResponse(
                        replica.id(), request.from(), answerTerm, granted, request.preVote()));
        if (granted && !request.preVote()) {
            timer.restart();
            replica.voteFor(request.from());
        }
    }

    void handleVoteResponse(RequestVoteResponse response) {
        Role role = replica.role();
        boolean expected =
                (role == Role.PRE_CANDIDATE && response.preVote())
                        || (role == Role.CANDIDATE && !response.preVote());
        if (!expected || !replica.membership().isVoter(response.from())) {
            return;
        }
        votes.putIfAbsent(response.from(), response.granted());
        tallyVotes();
    }

    void handleTimeoutNow(TimeoutNow request) {
        if (replica.role() == Role.FOLLOWER) {
            campaign(true);
        }
    }
}
