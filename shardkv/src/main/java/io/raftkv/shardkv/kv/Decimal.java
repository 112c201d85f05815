package io.raftkv.shardkv.kv;

import java.util.OptionalLong;

/**
 * Signed 64-bit integers written in decimal, read as strictly as Redis reads them ({@code
 * string2ll}): an optional {@code -}, then digits without a leading zero (other than {@code 0}
 * itself), at most 20 characters, no sign {@code +}, no spaces, within range. So a value INCR wrote
 * reads back, and {@code " 1"}, {@code "01"} or {@code "-0"} are not numbers, as in Redis.
 */
public final class Decimal {
    private static final int CHARS_MAX = 20;

    private Decimal() {}

    /** The integer {@code bytes} spell, or empty if they spell none. */
    public static OptionalLong parse(byte[] bytes) {
        if (bytes.length == 0 || bytes.length > CHARS_MAX) {
            return OptionalLong.empty();
        }
        if (bytes.length == 1 && bytes[0] == '0') {
            return OptionalLong.of(0);
        }
        int first = bytes[0] == '-' ? 1 : 0;
        if (first == bytes.length || bytes[first] < '1' || bytes[first] > '9') {
            return OptionalLong.empty();
        }
        for (int i = first + 1; i < bytes.length; i++) {
            if (bytes[i] < '0' || bytes[i] > '9') {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(
                    Long.parseLong(
                            new String(
                                    bytes,
                                    0,
                                    bytes.length,
                                    java.nio.charset.StandardCharsets.US_ASCII)));
        } catch (NumberFormatException outOfRange) {
            return OptionalLong.empty();
        }
    }
}
