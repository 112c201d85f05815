package io.raftkv.shardkv.kv;

import io.raftkv.common.Check;
import java.util.Optional;

/**
 * An operation on one key. Keys are at most {@value #KEY_BYTES_MAX} bytes and values at most
 * {@value #VALUE_BYTES_MAX}; larger ones are refused with {@link KvResult.TooLarge}.
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
