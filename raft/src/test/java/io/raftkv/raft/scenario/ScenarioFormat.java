package io.raftkv.raft.scenario;

import io.raftkv.raft.core.Entry;
import io.raftkv.raft.core.EntryType;
import io.raftkv.raft.core.HardState;
import io.raftkv.raft.core.Message;
import io.raftkv.raft.core.Message.AppendEntries;
import io.raftkv.raft.core.Message.AppendEntriesResponse;
import io.raftkv.raft.core.Message.Heartbeat;
import io.raftkv.raft.core.Message.HeartbeatResponse;
import io.raftkv.raft.core.Message.InstallSnapshot;
import io.raftkv.raft.core.Message.InstallSnapshotResponse;
import io.raftkv.raft.core.Message.RequestVote;
import io.raftkv.raft.core.Message.RequestVoteResponse;
import io.raftkv.raft.core.Message.TimeoutNow;
import io.raftkv.raft.core.Role;
import io.raftkv.raft.core.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the transcript spells things. Every line is a pure function of the value it shows, so a
 * golden file changes only when behaviour does. Changing a format here rewrites every golden.
 */
final class ScenarioFormat {
    private ScenarioFormat() {}

    /** {@code 3/1 "x"} for a command, {@code 1/1 noop} for a leader's no-op. */
    static String entry(Entry entry) {
        String body =
                entry.type() == EntryType.NOOP
                        ? "noop"
                        : '"' + new String(entry.data(), StandardCharsets.UTF_8) + '"';
        return entry.index() + "/" + entry.term() + " " + body;
    }

    static String entries(List<Entry> entries) {
        return entries.stream().map(ScenarioFormat::entry).collect(Collectors.joining(", "));
    }

    static String hardState(HardState state) {
        String vote = state.votedFor().map(Object::toString).orElse("none");
        return "t%d vote=%s commit=%d".formatted(state.term(), vote, state.commitIndex());
    }

    static String snapshot(Snapshot snapshot) {
        return "%d/%d voters=%s %dB"
                .formatted(
                        snapshot.index(),
                        snapshot.term(),
                        snapshot.meta().membership().voters(),
                        snapshot.data().length);
    }

    static String role(Role role) {
        return role.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One message as {@code from->to Type tN fields}. */
    static String message(Message message) {
        String head = message.from() + "->" + message.to() + " ";
        return head
                + switch (message) {
                    case RequestVote vote ->
                            "RequestVote t%d%s last=%d/%d%s"
                                    .formatted(
                                            vote.term(),
                                            vote.preVote() ? " pre-vote" : "",
                                            vote.lastLogIndex(),
                                            vote.lastLogTerm(),
                                            vote.leadershipTransfer() ? " transfer" : "");
                    case RequestVoteResponse answer ->
                            "RequestVoteResponse t%d%s %s"
                                    .formatted(
                                            answer.term(),
                                            answer.preVote() ? " pre-vote" : "",
                                            answer.granted() ? "granted" : "rejected");
                    case AppendEntries append -> appendEntries(append);
                    case AppendEntriesResponse answer -> appendEntriesResponse(answer);
                    case Heartbeat beat ->
                            "Heartbeat t%d commit=%d%s"
                                    .formatted(
                                            beat.term(),
                                            beat.commitIndex(),
                                            readContext(beat.readContext()));
                    case HeartbeatResponse answer ->
                            "HeartbeatResponse t%d%s"
                                    .formatted(answer.term(), readContext(answer.readContext()));
                    case InstallSnapshot chunk ->
                            "InstallSnapshot t%d snapshot=%d/%d offset=%d bytes=%d%s"
                                    .formatted(
                                            chunk.term(),
                                            chunk.meta().index(),
                                            chunk.meta().term(),
                                            chunk.offset(),
                                            chunk.chunk().length,
                                            chunk.last() ? " last" : "");
                    case InstallSnapshotResponse answer ->
                            "InstallSnapshotResponse t%d snapshot=%d next-offset=%d%s"
                                    .formatted(
                                            answer.term(),
                                            answer.snapshotIndex(),
                                            answer.nextOffset(),
                                            answer.done()
                                                    ? " done match=" + answer.matchIndex()
                                                    : "");
                    case TimeoutNow timeout -> "TimeoutNow t" + timeout.term();
                };
    }

    private static String appendEntries(AppendEntries append) {
        String entries =
                append.entries().isEmpty() ? "" : " entries=[" + entries(append.entries()) + "]";
        return "AppendEntries t%d prev=%d/%d commit=%d%s"
                .formatted(
                        append.term(),
                        append.prevLogIndex(),
                        append.prevLogTerm(),
                        append.leaderCommit(),
                        entries);
    }

    private static String appendEntriesResponse(AppendEntriesResponse answer) {
        if (answer.success()) {
            return "AppendEntriesResponse t%d match=%d"
                    .formatted(answer.term(), answer.matchIndex());
        }
        return "AppendEntriesResponse t%d reject prev=%d conflict-term=%d conflict-index=%d"
                .formatted(
                        answer.term(),
                        answer.rejectedIndex(),
                        answer.conflictTerm(),
                        answer.conflictIndex());
    }

    private static String readContext(long context) {
        return context == 0 ? "" : " read-context=" + context;
    }

    /** The message type as scripts name it in filters, e.g. {@code Heartbeat}. */
    static String type(Message message) {
        return message.getClass().getSimpleName();
    }
}
