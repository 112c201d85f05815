package io.raftkv.shardkv.linearizability;

import io.raftkv.common.Check;

/**
 * What a client asked of one key. Values are strings; {@code null} stands for "absent" wherever a
 * value may be absent.
 */
public sealed interface KvInput {
    /** The key the operation reads or writes; histories are partitioned by it. */
    String key();

    /** Reads the key's value; the output is a {@link KvOutput.Value}. */
    record Get(String key) implements KvInput {
        public Get {
            Check.argument(key != null, "key must not be null");
        }

        @Override
        public String toString() {
            return "Get(" + Render.value(key) + ")";
        }
    }

    /** Sets the key's value; the output is {@link KvOutput.Ok}. */
    record Put(String key, String value) implements KvInput {
        public Put {
            Check.argument(key != null && value != null, "key and value must not be null");
        }

        @Override
        public String toString() {
            return "Put(" + Render.value(key) + ", " + Render.value(value) + ")";
        }
    }

    /**
     * Appends to the key's value, an absent key counting as empty; the output is {@link
     * KvOutput.Ok}.
     */
    record Append(String key, String value) implements KvInput {
        public Append {
            Check.argument(key != null && value != null, "key and value must not be null");
        }

        @Override
        public String toString() {
            return "Append(" + Render.value(key) + ", " + Render.value(value) + ")";
        }
    }

    /** Makes the key absent; the output is {@link KvOutput.Ok}. */
    record Delete(String key) implements KvInput {
        public Delete {
            Check.argument(key != null, "key must not be null");
        }

        @Override
        public String toString() {
            return "Delete(" + Render.value(key) + ")";
        }
    }

    /**
     * Sets the key to {@code newValue} if and only if its value is {@code expected} ({@code null}:
     * if and only if it is absent); the output is {@link KvOutput.Swapped}.
     */
    record CompareAndSet(String key, String expected, String newValue) implements KvInput {
        public CompareAndSet {
            Check.argument(key != null && newValue != null, "key and newValue must not be null");
        }

        @Override
        public String toString() {
            return "CompareAndSet("
                    + Render.value(key)
                    + ", "
                    + Render.value(expected)
                    + " -> "
                    + Render.value(newValue)
                    + ")";
        }
    }

    static Get get(String key) {
        return new Get(key);
    }

    static Put put(String key, String value) {
        return new Put(key, value);
    }

    static Append append(String key, String value) {
        return new Append(key, value);
    }

    static Delete delete(String key) {
        return new Delete(key);
    }

    static CompareAndSet compareAndSet(String key, String expected, String newValue) {
        return new CompareAndSet(key, expected, newValue);
    }
}
