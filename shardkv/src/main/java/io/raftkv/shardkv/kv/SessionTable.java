package io.raftkv.shardkv.kv;

import io.raftkv.common.Binary;
import io.raftkv.common.Check;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * One shard's client sessions: for each client id, the sequence number and encoded result of its
 * last write, and the log index it was last active at. Moves with its shard. Deterministic: sorted
 * by client id, aged by log index only.
 */
public final class SessionTable {
    /** Sessions per shard by default, and at most; past the cap the idlest goes. */
    public static final int SESSIONS_MAX = 100_000;

    private static final int RESULT_BYTES_MAX = 1 << 16;

    /** The fewest bytes a session takes when written: ids, index and an empty result. */
    private static final int SESSION_BYTES_MIN = 8 + 8 + 8 + 4;

    record Session(long sequence, long lastIndex, byte[] result) {}

    private final TreeMap<Long, Session> sessions = new TreeMap<>();

    Session get(long clientId) {
        return sessions.get(clientId);
    }

    /**
     * Opens {@code clientId}'s session at {@code index} unless it is open already, then keeps the
     * {@code sessionsMax} least idle.
     */
    void register(long clientId, long index, byte[] okResult, int sessionsMax) {
        sessions.putIfAbsent(clientId, new Session(0, index, okResult));
        trim(sessionsMax);
    }

    /** Records a write's result, then keeps the {@code sessionsMax} least idle sessions. */
    void record(long clientId, long sequence, long index, byte[] result, int sessionsMax) {
        Check.that(
                result.length <= RESULT_BYTES_MAX,
                "a session result of %d bytes would not read back (at most %d)",
                result.length,
                RESULT_BYTES_MAX);
        sessions.put(clientId, new Session(sequence, index, result));
        trim(sessionsMax);
    }

    /** Forgets sessions last active {@code idleEntries} or more entries before {@code index}. */
    void evictIdle(long index, long idleEntries) {
        sessions.values().removeIf(session -> index - session.lastIndex() >= idleEntries);
    }

    /** Marks every session active at {@code index} (its shard just arrived in this group's log). */
    void touchAll(long index) {
        sessions.replaceAll((id, s) -> new Session(s.sequence(), index, s.result()));
    }

    /** Adds {@code other}'s sessions, then keeps the {@code sessionsMax} least idle. */
    void putAll(SessionTable other, int sessionsMax) {
        sessions.putAll(other.sessions);
        trim(sessionsMax);
    }

    int size() {
        return sessions.size();
    }

    private void trim(int sessionsMax) {
        while (sessions.size() > sessionsMax) {
            Map.Entry<Long, Session> idlest = null;
            for (var entry : sessions.entrySet()) {
                if (idlest == null
                        || entry.getValue().lastIndex() < idlest.getValue().lastIndex()) {
                    idlest = entry;
                }
            }
            sessions.remove(idlest.getKey());
        }
    }

    void write(DataOutputStream out) throws IOException {
        out.writeInt(sessions.size());
        for (var entry : sessions.entrySet()) {
            out.writeLong(entry.getKey());
            out.writeLong(entry.getValue().sequence());
            out.writeLong(entry.getValue().lastIndex());
            Binary.writeBytes(out, entry.getValue().result());
        }
    }

    static SessionTable read(DataInputStream in) throws IOException {
        SessionTable table = new SessionTable();
        int count = Binary.readCount(in, SESSION_BYTES_MIN, SESSIONS_MAX);
        for (int i = 0; i < count; i++) {
            long clientId = in.readLong();
            Session session =
                    new Session(
                            in.readLong(), in.readLong(), Binary.readBytes(in, RESULT_BYTES_MAX));
            Check.argument(
                    session.result() != null, "session of client %d without a result", clientId);
            Check.argument(
                    table.sessions.put(clientId, session) == null,
                    "client %d listed twice",
                    clientId);
        }
        return table;
    }
}
