package io.raftkv.raft.node;

import io.raftkv.common.Check;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A set of 8-byte values: each command adds one; applying returns the set's size; a query returns
 * every value in order. The multi-process tests write unique values and check that every
 * acknowledged one is in the set after crashes and restarts.
 */
public final class ValueSetStateMachine implements QueryableStateMachine {
    private final TreeSet<Long> values = new TreeSet<>();

    public static byte[] command(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    /** Decodes {@link #query}'s bytes. */
    public static TreeSet<Long> decode(byte[] encoded) {
        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        Check.argument(encoded.length % Long.BYTES == 0, "a value set is whole longs");
        TreeSet<Long> decoded = new TreeSet<>();
        while (buffer.hasRemaining()) {
            decoded.add(buffer.getLong());
        }
        return decoded;
    }

    @Override
    public Object apply(long index, byte[] command) {
        Check.argument(command.length == Long.BYTES, "a value is 8 bytes, got %d", command.length);
        values.add(ByteBuffer.wrap(command).getLong());
        return ByteBuffer.allocate(Long.BYTES).putLong(values.size()).array();
    }

    @Override
    public Optional<Access> commandAccess(byte[] command) {
        return command.length == Long.BYTES ? Optional.of(Access.CLIENT) : Optional.empty();
    }

    @Override
    public Access queryAccess(byte[] query) {
        return Access.CLIENT;
    }

    @Override
    public byte[] snapshot() {
        return encodeValues();
    }

    @Override
    public void restore(byte[] snapshot) {
        values.clear();
        values.addAll(decode(snapshot));
    }

    @Override
    public byte[] query(byte[] request) {
        return encodeValues();
    }

    private byte[] encodeValues() {
        ByteBuffer buffer = ByteBuffer.allocate(values.size() * Long.BYTES);
        values.forEach(buffer::putLong);
        return buffer.array();
    }
}
