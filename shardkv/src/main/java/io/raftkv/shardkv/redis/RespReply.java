package io.raftkv.shardkv.redis;

import io.raftkv.common.Check;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A reply to a client, independent of the protocol version: {@link RespEncoder} writes it as RESP2
 * or RESP3 (a {@link Nil} is {@code $-1} in RESP2 and {@code _} in RESP3; {@link KeyValues} a flat
 * array in RESP2 and a map in RESP3).
 */
public sealed interface RespReply {
    /** {@code +text}: a short status such as {@code OK} or {@code PONG}. */
    record Simple(String text) implements RespReply {
        public Simple {
            Check.argument(text.indexOf('\r') < 0 && text.indexOf('\n') < 0, "one line");
        }
    }

    /** {@code -CODE message}: {@code text} starts with the code ({@code ERR}, {@code UNKNOWN}). */
    record Error(String text) implements RespReply {
        public Error {
            Check.argument(text.indexOf('\r') < 0 && text.indexOf('\n') < 0, "one line");
        }
    }

    /** {@code :n}. */
    record Number(long value) implements RespReply {}

    /** {@code $n bytes}: a byte string. */
    record Bulk(byte[] bytes) implements RespReply {
        public Bulk {
            Check.argument(bytes != null, "a bulk string has bytes; use Nil for none");
        }
    }

    /** No value: an absent key. */
    record Nil() implements RespReply {}

    /** {@code *n}: a list of replies. */
    record Array(List<RespReply> items) implements RespReply {
        public Array {
            items = List.copyOf(items);
        }
    }

    /** {@code %n} in RESP3, a flat array of {@code 2n} in RESP2: keys at even indexes. */
    record KeyValues(List<RespReply> keysAndValues) implements RespReply {
        public KeyValues {
            Check.argument(keysAndValues.size() % 2 == 0, "keys and values come in pairs");
            keysAndValues = List.copyOf(keysAndValues);
        }
    }

    RespReply OK = new Simple("OK");
    RespReply NIL = new Nil();

    static RespReply error(String text) {
        return new Error(text);
    }

    static RespReply bulk(String text) {
        return new Bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A bulk string, or {@link #NIL} for null. */
    static RespReply bulkOrNil(byte[] bytes) {
        return bytes == null ? NIL : new Bulk(bytes);
    }

    static RespReply number(long value) {
        return new Number(value);
    }

    static RespReply array(List<RespReply> items) {
        return new Array(items);
    }

    /** Text keys and their replies, in the order given. */
    final class KeyValuesBuilder {
        private final List<RespReply> entries = new ArrayList<>();

        public KeyValuesBuilder put(String key, RespReply value) {
            entries.add(bulk(key));
            entries.add(value);
            return this;
        }

        public KeyValuesBuilder put(String key, String value) {
            return put(key, bulk(value));
        }

        public KeyValuesBuilder put(String key, long value) {
            return put(key, number(value));
        }

        public KeyValues build() {
            return new KeyValues(entries);
        }
    }

    static KeyValuesBuilder keyValues() {
        return new KeyValuesBuilder();
    }
}
