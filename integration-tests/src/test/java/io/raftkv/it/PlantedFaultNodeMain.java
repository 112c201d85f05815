package io.raftkv.it;

import io.raftkv.common.Check;
import io.raftkv.raft.node.Access;
import io.raftkv.raft.node.QueryableStateMachine;
import io.raftkv.raft.node.RaftNodeMain;
import io.raftkv.raft.node.ValueSetStateMachine;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A {@link RaftNodeMain} node for the fail-stop tests, with a fault planted by its first argument
 * (test code only; no production path can switch it on):
 *
 * <ul>
 *   <li>{@code none}: no fault;
 *   <li>{@code apply:N}: applying the N-th command throws, once;
 *   <li>{@code read}: serving a read breaks a {@link Check}.
 * </ul>
 *
 * Its state machines keep every value in the order applied, answer reads as {@link
 * ValueSetStateMachine} does, and print {@code DIGEST <count> <distinct> <hash>} after each apply,
 * so a test can compare replicas and see a command applied twice.
 */
public final class PlantedFaultNodeMain {
    private PlantedFaultNodeMain() {}

    public static void main(String[] args) throws Exception {
        String plant = args[0];
        String[] nodeArgs = Arrays.copyOfRange(args, 1, args.length);
        RaftNodeMain.run(nodeArgs, group -> new ValueLog(plant));
    }

    /** The values applied, in order. Loop thread only. */
    private static final class ValueLog implements QueryableStateMachine {
        private final String plant;
        private final List<Long> values = new ArrayList<>();
        private long hash;

        ValueLog(String plant) {
            this.plant = plant;
        }

        @Override
        public Object apply(long index, byte[] command) {
            if (plant.equals("apply:" + (values.size() + 1))) {
                throw new IllegalStateException("planted fault in apply");
            }
            add(ByteBuffer.wrap(command).getLong());
            printDigest();
            return ByteBuffer.allocate(Long.BYTES).putLong(values.size()).array();
        }

        private void add(long value) {
            values.add(value);
            hash = 31 * hash + Long.hashCode(value);
        }

        private void printDigest() {
            System.out.printf(
                    "DIGEST %d %d %d%n", values.size(), new HashSet<>(values).size(), hash);
            System.out.flush();
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
            ByteBuffer buffer = ByteBuffer.allocate(values.size() * Long.BYTES);
            values.forEach(buffer::putLong);
            return buffer.array();
        }

        @Override
        public void restore(byte[] snapshot) {
            values.clear();
            hash = 0;
            ByteBuffer buffer = ByteBuffer.wrap(snapshot);
            while (buffer.hasRemaining()) {
                add(buffer.getLong());
            }
        }

        @Override
        public byte[] query(byte[] request) {
            Check.that(!plant.equals("read"), "planted broken check in a read");
            TreeSet<Long> distinct = new TreeSet<>(values);
            ByteBuffer buffer = ByteBuffer.allocate(distinct.size() * Long.BYTES);
            distinct.forEach(buffer::putLong);
            return buffer.array();
        }
    }
}
