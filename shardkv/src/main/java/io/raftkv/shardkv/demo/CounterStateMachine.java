package io.raftkv.shardkv.demo;

import io.raftkv.common.Check;
import io.raftkv.raft.host.StateMachine;
import java.nio.ByteBuffer;

/**
 * A replicated counter: each command is an 8-byte delta; applying it returns the new value. Small
 * enough to read at a glance in the demo's status view.
 */
public final class CounterStateMachine implements StateMachine {
    private long value;

    public static byte[] add(long delta) {
        return ByteBuffer.allocate(Long.BYTES).putLong(delta).array();
    }

    @Override
    public Object apply(long index, byte[] command) {
        Check.argument(command.length == Long.BYTES, "a counter command is 8 bytes");
        value += ByteBuffer.wrap(command).getLong();
        return value;
    }

    @Override
    public byte[] snapshot() {
        return add(value);
    }

    @Override
    public void restore(byte[] snapshot) {
        value = ByteBuffer.wrap(snapshot).getLong();
    }

    public long value() {
        return value;
    }
}
