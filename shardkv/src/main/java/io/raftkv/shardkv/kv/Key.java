package io.raftkv.shardkv.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A key: bytes compared unsigned, lexicographically. The array is never modified. */
public record Key(byte[] bytes) implements Comparable<Key> {
    public static Key of(String utf8) {
        return new Key(utf8.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int compareTo(Key other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Key key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
