package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.PlantedBugs;
import io.raftkv.raft.node.Access;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.shardctrler.config.ShardConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * One replica group's key/value data: the shards it holds, each with its keys (in a {@link
 * ShardStore}), its client sessions and its {@link ShardStatus}, and the shard config the group is
 * in.
 *
 * <p>Configs are applied one number at a time through the group's log ({@link
 * KvCommand.InstallConfig}), and only when no shard holds the group back. A shard the new config
 * gives the group is pulled from its previous owner in chunks ({@link KvQuery.Pull}, then {@link
 * KvCommand.InsertChunk}); once all of it is here the group tells the previous owner to delete its
 * copy ({@link KvCommand.DeleteShard}), and serves the shard only once that is applied ({@link
 * KvCommand.ShardNotified}). Shards that stay keep serving throughout. Every group applies every
 * config, so each knows the last owner of each shard, even across configs in which no group owned
 * it.
 *
 * <p>A handoff is final when the previous owner's log deletes its copy. Until then the previous
 * owner may take the shard back ({@link KvCommand.ReclaimShard}, when the new owner has left
 * without confirming), after which it refuses that handoff for good ({@link KvResult.Reclaimed});
 * so exactly one of the two ever serves the shard after that config. A group that holds a shard the
 * configs' last owner never got tells the next owner where to pull it from ({@link
 * KvCommand.PullFrom}). See docs/architecture.md for the argument.
 *
 * <p>Exactly once (Raft thesis section 6.3): a client registers a session in a shard before writing
 * to it; a write whose sequence equals the session's last gets the stored result again without
 * being applied; a write whose session does not exist (never registered, or evicted) gets {@link
 * KvResult.SessionExpired}, a definite answer and never a second application. Sessions move with
 * their shard. Sessions idle for {@value #SESSION_IDLE_ENTRIES} log entries are evicted, by log
 * index, so every replica evicts the same ones.
 *
 * <p>Deterministic: only sorted maps, no clocks. Reads are queries ({@link #query}) run after a
 * ReadIndex confirmation, not log entries.
 */
public final class KvStateMachine implements QueryableStateMachine {
    /** Log entries after which a silent client's session is forgotten. */
    static final long SESSION_IDLE_ENTRIES = 1_000_000;

    /**
     * The largest chunk a pull is answered with, whatever it asks for ({@link
     * ShardChunk#entryBytes}). Its InsertChunk must fit one proposal (16 MiB - 64 KiB), with the
     * shard's sessions in the last one.
     */
    static final int CHUNK_BYTES_MAX = 4 << 20;

    private static final byte[] OK = KvCodec.encode(new KvResult.Ok());

    /** The longest previous value a session keeps for a retry ({@link #kept}). */
    static final int PREVIOUS_KEPT_BYTES_MAX = 4 << 10;

    /** Redis's words for a value INCR cannot read. */
    public static final String NOT_AN_INTEGER = "value is not an integer or out of range";

    /** Redis's words for a sum past 64 bits. */
    public static final String WOULD_OVERFLOW = "increment or decrement would overflow";

    /** A shard this group holds, whatever its status. */
    static final class Held {
        ShardStatus status;
        SessionTable sessions = new SessionTable();

        /**
         * PULLING and NOTIFYING: the group the shard is copied from; PULLING: null until the group
         * holding it says where it is ({@link KvCommand.PullFrom}).
         */
        GroupId source;

        /**
         * HANDING_OFF: the new owner's configs name another group as last owner (one that never got
         * the shard), so this group must tell it to pull from here.
         */
        boolean redirect;

        /** PULLING: the last key inserted so far, null before the first chunk. */
        Key pulledUpTo;

        Held(ShardStatus status, GroupId source) {
            this.status = status;
            this.source = source;
        }
    }

    private final GroupId self;
    private final int shardCount;
    private final ShardStore store;
    private final KvState state;
    private final int sessionsMax;

    /**
     * @param sessionsMax the most client sessions a shard keeps (past it the idlest is evicted);
     *     every replica of a group must use the same, as eviction is part of the replicated state
     */
    public KvStateMachine(GroupId self, int shardCount, ShardStore store, int sessionsMax) {
        Check.argument(shardCount > 0, "shard count must be positive");
        Check.argument(
                sessionsMax > 0 && sessionsMax <= SessionTable.SESSIONS_MAX,
                "sessions per shard %d not in 1..%d",
                sessionsMax,
                SessionTable.SESSIONS_MAX);
        this.self = self;
        this.shardCount = shardCount;
        this.store = store;
        this.state = new KvState(shardCount);
        this.sessionsMax = sessionsMax;
    }

    public KvStateMachine(GroupId self, int shardCount, ShardStore store) {
        this(self, shardCount, store, SessionTable.SESSIONS_MAX);
    }

    /** A group's state machine with its data on the heap. */
    public KvStateMachine(GroupId self, int shardCount) {
        this(self, shardCount, new MemoryShardStore());
    }

    public int shardCount() {
        return shardCount;
    }

    /** The number of the config this group is in. */
    public long configNumber() {
        return state.config.number();
    }

    /** The status of every shard this group holds. */
    public TreeMap<Integer, ShardStatus> shardStatuses() {
        TreeMap<Integer, ShardStatus> statuses = new TreeMap<>();
        state.held.forEach((shard, held) -> statuses.put(shard, held.status));
        return statuses;
    }

    /** Bytes of keys and values this replica stores. */
    public long storedBytes() {
        return state.held.keySet().stream().mapToLong(store::bytes).sum();
    }

    /** Clients write; configs and shard handoffs come only from the cluster's nodes. */
    @Override
    public Optional<Access> commandAccess(byte[] bytes) {
        KvCommand command;
        try {
            command = KvCodec.decodeCommand(bytes);
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
        return Optional.of(
                switch (command) {
                    case KvCommand.Write write -> Access.CLIENT;
                    case KvCommand.RegisterSession register -> Access.CLIENT;
                    case KvCommand.InstallConfig install -> Access.PEER;
                    case KvCommand.InsertChunk insert -> Access.PEER;
                    case KvCommand.DeleteShard delete -> Access.PEER;
                    case KvCommand.ShardNotified notified -> Access.PEER;
                    case KvCommand.ReclaimShard reclaim -> Access.PEER;
                    case KvCommand.AbandonShard abandon -> Access.PEER;
                    case KvCommand.PullFrom pullFrom -> Access.PEER;
                });
    }

    /** Clients read and ask for status; only nodes pull a shard's data for a migration. */
    @Override
    public Access queryAccess(byte[] bytes) {
        KvQuery query;
        try {
            query = KvCodec.decodeQuery(bytes);
        } catch (IllegalArgumentException malformed) {
            return Access.CLIENT;
        }
        return switch (query) {
            case KvQuery.Read read -> Access.CLIENT;
            case KvQuery.Pull pull -> Access.PEER;
            case KvQuery.Status status -> Access.CLIENT;
        };
    }

    @Override
    public Object apply(long index, byte[] bytes) {
        KvCommand command;
        try {
            command = KvCodec.decodeCommand(bytes);
        } catch (IllegalArgumentException malformed) {
            return KvCodec.encode(new KvResult.Malformed(malformed.getMessage()));
        }
        evictIdleSessions(index);
        return KvCodec.encode(
                switch (command) {
                    case KvCommand.Write write -> applyWrite(index, write);
                    case KvCommand.RegisterSession register -> register(index, register);
                    case KvCommand.InstallConfig install -> install(install.config());
                    case KvCommand.InsertChunk insert -> insert(index, insert);
                    case KvCommand.DeleteShard delete -> delete(delete);
                    case KvCommand.ShardNotified notified -> settle(notified);
                    case KvCommand.ReclaimShard reclaim -> reclaim(reclaim);
                    case KvCommand.AbandonShard abandon -> abandon(abandon);
                    case KvCommand.PullFrom pullFrom -> pullFrom(pullFrom);
                });
    }

    // ---------------------------------------------------------------- client operations

    /**
     * Whether this group serves {@code shard} now: answers reads and applies writes to its keys. At
     * any instant at most one group's latest applied state serves a shard (see the class comment).
     */
    public boolean serves(int shard) {
        return serving(shard) != null;
    }

    /** The shard if this group serves it now, or null. */
    private Held serving(int shard) {
        Held held = state.held.get(shard);
        if (held != null
                && PlantedBugs.planted(KvBug.SERVE_WHILE_MIGRATING)
                && (held.status == ShardStatus.HANDING_OFF || held.status == ShardStatus.PULLING)) {
            return held;
        }
        return held != null && held.status.serves() ? held : null;
    }

    private KvResult register(long index, KvCommand.RegisterSession register) {
        if (register.shard() >= shardCount) {
            return new KvResult.Malformed("shard %d out of range".formatted(register.shard()));
        }
        Held shard = serving(register.shard());
        if (shard == null) {
            return new KvResult.WrongGroup(register.shard());
        }
        shard.sessions.register(register.clientId(), index, OK, sessionsMax);
        return new KvResult.Ok();
    }

    private KvResult applyWrite(long index, KvCommand.Write write) {
        int shardNumber = Shards.of(write.op().key(), shardCount);
        Held shard = serving(shardNumber);
        if (shard == null) {
            return new KvResult.WrongGroup(shardNumber);
        }
        SessionTable.Session session = shard.sessions.get(write.clientId());
        if (session == null || write.sequence() < session.sequence()) {
            return new KvResult.SessionExpired();
        }
        if (write.sequence() == session.sequence()
                && !PlantedBugs.planted(KvBug.SKIP_SESSION_DEDUPE)) {
            return KvCodec.decodeResult(session.result());
        }
        KvResult result =
                KvOp.sizeProblem(write.op())
                        .<KvResult>map(KvResult.TooLarge::new)
                        .orElseGet(() -> execute(shardNumber, write.op()));
        shard.sessions.record(write.clientId(), write.sequence(), index, kept(result), sessionsMax);
        return result;
    }

    /**
     * What a session keeps of a write's result, for a retry of it: the result itself, except a
     * previous value over {@value #PREVIOUS_KEPT_BYTES_MAX} bytes. NB: sessions travel with their
     * shard in one chunk and are bounded per result, so a GETSET of a large value answers its retry
     * with {@link KvResult.Unknown}: it was applied, but what it replaced is no longer known.
     */
    private static byte[] kept(KvResult result) {
        if (result instanceof KvResult.Previous previous
                && previous.previous() != null
                && previous.previous().length > PREVIOUS_KEPT_BYTES_MAX) {
            return KvCodec.encode(
                    new KvResult.Unknown(
                            "the write was applied, but the value it replaced (%d bytes) is too"
                                    + " large to be kept for a retry"
                                            .formatted(previous.previous().length)));
        }
        return KvCodec.encode(result);
    }

    private KvResult execute(int shard, KvOp op) {
        Key key = new Key(op.key());
        return switch (op) {
            case KvOp.SetIf set -> {
                byte[] old = store.get(shard, key);
                boolean writes = set.condition().allows(old != null);
                if (writes) {
                    store.put(shard, key, set.value());
                }
                yield new KvResult.Previous(old != null, writes, set.returnPrevious() ? old : null);
            }
            case KvOp.GetDelete delete -> {
                byte[] old = store.get(shard, key);
                if (old != null) {
                    store.delete(shard, key);
                }
                yield new KvResult.Previous(
                        old != null, old != null, delete.returnPrevious() ? old : null);
            }
            case KvOp.AppendLength append -> {
                byte[] joined = appended(store.get(shard, key), append.value());
                if (joined == null) {
                    yield tooLongToAppend();
                }
                store.put(shard, key, joined);
                yield new KvResult.Number(joined.length);
            }
            case KvOp.IncrementBy increment -> increment(shard, key, increment.delta());
            case KvOp.Get get -> new KvResult.Value(store.get(shard, key));
            case KvOp.Put put -> {
                store.put(shard, key, put.value());
                yield new KvResult.Ok();
            }
            case KvOp.Append append -> {
                byte[] joined = appended(store.get(shard, key), append.value());
                if (joined == null) {
                    yield tooLongToAppend();
                }
                store.put(shard, key, joined);
                yield new KvResult.Ok();
            }
            case KvOp.Delete delete -> {
                store.delete(shard, key);
                yield new KvResult.Ok();
            }
            case KvOp.CompareAndSet cas -> {
                boolean matches = Arrays.equals(store.get(shard, key), cas.expected());
                if (matches) {
                    store.put(shard, key, cas.value());
                }
                yield new KvResult.Swapped(matches);
            }
        };
    }

    /** {@code old} (null: absent) followed by {@code more}; null if that would be too long. */
    private static byte[] appended(byte[] old, byte[] more) {
        if (old == null) {
            return more;
        }
        return (long) old.length + more.length > KvOp.VALUE_BYTES_MAX ? null : concat(old, more);
    }

    private static KvResult tooLongToAppend() {
        return new KvResult.TooLarge(
                "the value would grow past %d bytes".formatted(KvOp.VALUE_BYTES_MAX));
    }

    /** INCRBY: the sum, stored in decimal, or Redis's refusal with nothing written. */
    private KvResult increment(int shard, Key key, long delta) {
        byte[] old = store.get(shard, key);
        OptionalLong current = old == null ? OptionalLong.of(0) : Decimal.parse(old);
        if (current.isEmpty()) {
            return new KvResult.NotANumber(NOT_AN_INTEGER);
        }
        long sum;
        try {
            sum = Math.addExact(current.getAsLong(), delta);
        } catch (ArithmeticException overflow) {
            return new KvResult.NotANumber(WOULD_OVERFLOW);
        }
        store.put(shard, key, Long.toString(sum).getBytes(StandardCharsets.US_ASCII));
        return new KvResult.Number(sum);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    /** Every {@value #SESSION_IDLE_ENTRIES} entries, forgets sessions idle for that long. */
    private void evictIdleSessions(long index) {
        if (index - state.lastEvictionIndex < SESSION_IDLE_ENTRIES) {
            return;
        }
        state.lastEvictionIndex = index;
        for (Held shard : state.held.values()) {
            shard.sessions.evictIdle(index, SESSION_IDLE_ENTRIES);
        }
    }

    // ---------------------------------------------------------------- configs and migration

    private KvResult install(ShardConfig next) {
        ShardConfig current = state.config;
        boolean blocked = state.held.values().stream().anyMatch(h -> h.status.blocksNextConfig());
        if (next.number() != current.number() + 1 || next.shardCount() != shardCount || blocked) {
            return new KvResult.WrongConfig(current.number());
        }
        for (int shard = 0; shard < shardCount; shard++) {
            GroupId owner = next.owners().get(shard);
            Held held = state.held.get(shard);
            if (owner.equals(self)) {
                gain(shard, held);
            } else if (held != null) {
                boolean handed = !owner.equals(ShardConfig.UNASSIGNED);
                held.status = handed ? ShardStatus.HANDING_OFF : ShardStatus.RETAINED;
                // the new owner pulls from the last owner it knows: redirect it if that is not us
                held.redirect = handed && !state.lastOwners[shard].equals(self);
            }
            if (!owner.equals(ShardConfig.UNASSIGNED)) {
                state.lastOwners[shard] = owner;
            }
        }
        state.config = next;
        state.rememberMembers(next, self);
        return new KvResult.Ok();
    }

    /** The group owns {@code shard} in its next config. */
    private void gain(int shard, Held held) {
        if (held != null) {
            held.status = ShardStatus.SERVING; // it stayed, or it comes back from RETAINED
            held.redirect = false;
            return;
        }
        GroupId source = state.lastOwners[shard];
        if (source.equals(ShardConfig.UNASSIGNED)) {
            state.held.put(shard, new Held(ShardStatus.SERVING, null));
        } else {
            // NB: last owned here but gone means our own pull of it was reclaimed; the group that
            // holds it will say where it is (PullFrom)
            state.held.put(
                    shard, new Held(ShardStatus.PULLING, source.equals(self) ? null : source));
        }
    }

    private KvResult insert(long index, KvCommand.InsertChunk insert) {
        if (insert.configNumber() != state.config.number()) {
            return new KvResult.WrongConfig(state.config.number());
        }
        Held held = state.held.get(insert.shard());
        ShardChunk chunk = insert.chunk();
        if (held == null
                || held.status != ShardStatus.PULLING
                || !Objects.equals(held.pulledUpTo, chunk.after())) {
            return new KvResult.Ok(); // a chunk applied already
        }
        for (Map.Entry<Key, byte[]> entry : chunk.values()) {
            store.put(insert.shard(), entry.getKey(), entry.getValue());
        }
        held.pulledUpTo = chunk.nextAfter();
        if (chunk.last()) {
            if (!PlantedBugs.planted(KvBug.DROP_LAST_CHUNK_SESSIONS)) {
                held.sessions.putAll(chunk.sessions(), sessionsMax);
            }
            held.sessions.touchAll(index);
            held.pulledUpTo = null;
            held.status = ShardStatus.NOTIFYING;
        }
        return new KvResult.Ok();
    }

    private KvResult delete(KvCommand.DeleteShard delete) {
        long current = state.config.number();
        if (state.reclaimed.contains(new KvState.Handoff(delete.configNumber(), delete.shard()))) {
            return new KvResult.Reclaimed();
        }
        if (delete.configNumber() > current) {
            return new KvResult.WrongConfig(current);
        }
        Held held = state.held.get(delete.shard());
        if (delete.configNumber() == current
                && held != null
                && held.status == ShardStatus.HANDING_OFF) {
            store.dropShard(delete.shard());
            state.held.remove(delete.shard());
        }
        return new KvResult.Ok();
    }

    private KvResult settle(KvCommand.ShardNotified notified) {
        Held held = state.held.get(notified.shard());
        if (notified.configNumber() == state.config.number()
                && held != null
                && held.status == ShardStatus.NOTIFYING) {
            held.status = ShardStatus.SERVING;
            held.source = null;
        }
        return new KvResult.Ok();
    }

    /**
     * Takes back a shard being handed off whose new owner left before confirming it has it: from
     * now on that handoff's pulls and deletions are answered {@link KvResult.Reclaimed}, so the new
     * owner never serves its copy, and the shard stays here RETAINED for a later owner.
     */
    private KvResult reclaim(KvCommand.ReclaimShard reclaim) {
        Held held = state.held.get(reclaim.shard());
        if (reclaim.configNumber() == state.config.number()
                && held != null
                && held.status == ShardStatus.HANDING_OFF) {
            held.status = ShardStatus.RETAINED;
            held.redirect = false;
            state.reclaimed.add(new KvState.Handoff(reclaim.configNumber(), reclaim.shard()));
            if (PlantedBugs.planted(KvBug.DELETE_SHARD_BEFORE_CONFIRM)) {
                store.dropShard(reclaim.shard());
                state.held.remove(reclaim.shard());
            }
        }
        return new KvResult.Ok();
    }

    /**
     * Drops a shard being copied, never served here: a PULLING one (no confirmation was ever asked
     * for it), or a NOTIFYING one the previous owner said it reclaimed.
     */
    private KvResult abandon(KvCommand.AbandonShard abandon) {
        Held held = state.held.get(abandon.shard());
        boolean droppable =
                held != null
                        && (held.status == ShardStatus.PULLING
                                || (held.status == ShardStatus.NOTIFYING && abandon.reclaimed()));
        if (abandon.configNumber() == state.config.number() && droppable) {
            store.dropShard(abandon.shard());
            state.held.remove(abandon.shard());
        }
        return new KvResult.Ok();
    }

    /** Pulls a shard from the group that says it holds it, unless a chunk came in already. */
    private KvResult pullFrom(KvCommand.PullFrom pullFrom) {
        long current = state.config.number();
        if (pullFrom.configNumber() > current) {
            return new KvResult.WrongConfig(current);
        }
        Held held = state.held.get(pullFrom.shard());
        if (pullFrom.configNumber() == current
                && held != null
                && held.status == ShardStatus.PULLING
                && held.pulledUpTo == null
                && !pullFrom.source().equals(self)) {
            held.source = pullFrom.source();
            state.members.put(pullFrom.source(), pullFrom.members());
        }
        return new KvResult.Ok();
    }

    /** What the group's migration driver must do next; see {@link MigrationView}. */
    public MigrationView migrationView() {
        List<MigrationView.Transfer> pulls = new ArrayList<>();
        List<MigrationView.Transfer> notifies = new ArrayList<>();
        List<MigrationView.Handoff> handoffs = new ArrayList<>();
        boolean blocked = false;
        for (var entry : state.held.entrySet()) {
            Held held = entry.getValue();
            blocked |= held.status.blocksNextConfig();
            if (held.status == ShardStatus.HANDING_OFF) {
                GroupId receiver = state.config.owners().get(entry.getKey());
                handoffs.add(
                        new MigrationView.Handoff(
                                entry.getKey(),
                                receiver,
                                state.config.groups().get(receiver),
                                held.redirect));
            }
            if (held.status == ShardStatus.PULLING || held.status == ShardStatus.NOTIFYING) {
                var transfer =
                        new MigrationView.Transfer(
                                entry.getKey(),
                                held.source,
                                held.source == null
                                        ? List.of()
                                        : state.members.getOrDefault(held.source, List.of()),
                                held.pulledUpTo);
                (held.status == ShardStatus.PULLING ? pulls : notifies).add(transfer);
            }
        }
        return new MigrationView(
                state.config.number(),
                !blocked,
                pulls,
                notifies,
                handoffs,
                state.members.getOrDefault(self, List.of()));
    }

    // ---------------------------------------------------------------- queries

    /** Answers an encoded {@link KvQuery} with an encoded {@link KvResult}. */
    @Override
    public byte[] query(byte[] request) {
        KvQuery query;
        try {
            query = KvCodec.decodeQuery(request);
        } catch (IllegalArgumentException malformed) {
            return KvCodec.encode(new KvResult.Malformed(malformed.getMessage()));
        }
        return KvCodec.encode(
                switch (query) {
                    case KvQuery.Read read -> read(read.get());
                    case KvQuery.Pull pull -> pull(pull);
                    case KvQuery.Status status ->
                            new KvResult.Status(configNumber(), shardStatuses());
                });
    }

    private KvResult read(KvOp.Get get) {
        Optional<String> tooLarge = KvOp.sizeProblem(get);
        if (tooLarge.isPresent()) {
            return new KvResult.TooLarge(tooLarge.get());
        }
        int shard = Shards.of(get.key(), shardCount);
        if (serving(shard) == null) {
            return new KvResult.WrongGroup(shard);
        }
        return new KvResult.Value(store.get(shard, new Key(get.key())));
    }

    private KvResult pull(KvQuery.Pull pull) {
        if (state.reclaimed.contains(new KvState.Handoff(pull.configNumber(), pull.shard()))) {
            return new KvResult.Reclaimed();
        }
        Held held = state.held.get(pull.shard());
        if (pull.configNumber() != state.config.number()
                || held == null
                || held.status != ShardStatus.HANDING_OFF) {
            return new KvResult.WrongConfig(state.config.number());
        }
        int bytesMax = Math.min(pull.bytesMax(), CHUNK_BYTES_MAX);
        List<Map.Entry<Key, byte[]>> values = store.scan(pull.shard(), pull.after(), bytesMax);
        Key end = values.isEmpty() ? pull.after() : values.getLast().getKey();
        boolean last = values.isEmpty() || store.scan(pull.shard(), end, 1).isEmpty();
        return new KvResult.Chunk(
                new ShardChunk(
                        pull.after(), values, last, last ? held.sessions : new SessionTable()));
    }

    /** The value of {@code key}, or null: for tests and the demo, on the loop thread. */
    public byte[] get(byte[] key) {
        return store.get(Shards.of(key, shardCount), new Key(key));
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    public byte[] snapshot() {
        return KvSnapshot.write(self, state, store);
    }

    @Override
    public void restore(byte[] snapshot) {
        store.clear();
        KvSnapshot.read(self, snapshot, state, store);
    }
}
