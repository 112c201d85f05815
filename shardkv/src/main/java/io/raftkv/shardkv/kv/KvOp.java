package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import java.util.Optional;

/**
 * An operation on one key. Keys are at most {@value #KEY_BYTES_MAX} bytes and values at most
 * {@value #VALUE_BYTES_MAX}; larger ones are refused with {@link KvResult.TooLarge}.
 *
 * <p>{@link Get}, {@link Put}, {@link Append}, {@link Delete} and {@link CompareAndSet} are the
 * Java client's; {@link SetIf}, {@link GetDelete}, {@link AppendLength} and {@link IncrementBy}
 * answer as Redis commands do (the RESP server's SET NX/XX/GET, GETSET, SETNX, GETDEL, DEL, APPEND
 * and INCR family), each applied once in the state machine like every write.
 */
public sealed interface KvOp {
    int KEY_BYTES_MAX = 4 << 10;
    int VALUE_BYTES_MAX = 1 << 20;

    byte[] key();

    /** Whether this operation only reads. */
    default boolean isRead() {
        return this instanceof Get;
    }

    record Get(byte[] key) implements KvOp {
        public Get {
            Check.argument(key != null, "a key is required");
        }
    }

    record Put(byte[] key, byte[] value) implements KvOp {
        public Put {
            Check.argument(key != null && value != null, "a key and a value are required");
        }
    }

    record Append(byte[] key, byte[] value) implements KvOp {
        public Append {
            Check.argument(key != null && value != null, "a key and a value are required");
        }
    }

    record Delete(byte[] key) implements KvOp {
        public Delete {
            Check.argument(key != null, "a key is required");
        }
    }

    /**
     * Sets {@code value} if the current value equals {@code expected} (null: the key is absent).
     */
    record CompareAndSet(byte[] key, byte[] expected, byte[] value) implements KvOp {
        public CompareAndSet {
            Check.argument(key != null && value != null, "a key and a value are required");
        }
    }

    /** When a {@link SetIf} writes. */
    enum Condition {
        /** Whether or not the key exists (SET, GETSET). */
        ALWAYS,
        /** Only if the key is absent (SET NX, SETNX). */
        ABSENT,
        /** Only if the key exists (SET XX). */
        PRESENT;

        /** Whether a write under this condition happens when the key {@code exists} or not. */
        public boolean allows(boolean exists) {
            return switch (this) {
                case ALWAYS -> true;
                case ABSENT -> !exists;
                case PRESENT -> exists;
            };
        }
    }

    /**
     * Sets {@code value} if {@code condition} allows; answers {@link KvResult.Previous}: whether
     * the key existed, whether it was written, and its value before if {@code returnPrevious}.
     */
    record SetIf(byte[] key, byte[] value, Condition condition, boolean returnPrevious)
            implements KvOp {
        public SetIf {
            Check.argument(key != null && value != null, "a key and a value are required");
            Check.argument(condition != null, "a condition is required");
        }
    }

    /**
     * Deletes the key; answers {@link KvResult.Previous}: whether it existed (and so was deleted),
     * and its value if {@code returnPrevious} (GETDEL; DEL counts without it).
     */
    record GetDelete(byte[] key, boolean returnPrevious) implements KvOp {
        public GetDelete {
            Check.argument(key != null, "a key is required");
        }
    }

    /**
     * Appends like {@link Append}, and answers the value's length after it ({@link
     * KvResult.Number}).
     */
    record AppendLength(byte[] key, byte[] value) implements KvOp {
        public AppendLength {
            Check.argument(key != null && value != null, "a key and a value are required");
        }
    }

    /**
     * Adds {@code delta} to the key's value read as a signed 64-bit decimal (an absent key counts
     * as 0) and stores the sum in decimal; answers {@link KvResult.Number} with the sum, or {@link
     * KvResult.NotANumber} (nothing written) if the value is no such integer or the sum overflows.
     */
    record IncrementBy(byte[] key, long delta) implements KvOp {
        public IncrementBy {
            Check.argument(key != null, "a key is required");
        }
    }

    /** Why {@code op} is too large, if it is. */
    static Optional<String> sizeProblem(KvOp op) {
        if (op.key().length > KEY_BYTES_MAX) {
            return Optional.of(
                    "key of %d bytes exceeds %d".formatted(op.key().length, KEY_BYTES_MAX));
        }
        int valueBytes =
                switch (op) {
                    case Get get -> 0;
                    case Delete delete -> 0;
                    case Put put -> put.value().length;
                    case Append append -> append.value().length;
                    case SetIf set -> set.value().length;
                    case GetDelete delete -> 0;
                    case AppendLength append -> append.value().length;
                    case IncrementBy increment -> 0;
                    case CompareAndSet cas ->
                            Math.max(
                                    cas.value().length,
                                    cas.expected() == null ? 0 : cas.expected().length);
                };
        if (valueBytes > VALUE_BYTES_MAX) {
            return Optional.of(
                    "value of %d bytes exceeds %d".formatted(valueBytes, VALUE_BYTES_MAX));
        }
        return Optional.empty();
    }
}
