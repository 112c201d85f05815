package io.raftkv.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.io.Output;
import io.raftkv.common.NodeId;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Frames round trip, and a hostile frame is refused with {@link IllegalArgumentException} before it
 * can make the decoder allocate more than a small multiple of its own size or recurse deeply.
 */
class WireCodecTest {
    record Blob(byte[] data) {}

    record Text(String text) {}

    record Items(List<Object> items) {}

    record Tags(Set<Object> tags) {}

    record Table(Map<Object, Object> cells) {}

    enum Color {
        RED,
        GREEN
    }

    record Paint(Color color, NodeId node) {}

    private static final WireCodec CODEC =
            new WireCodec(
                    List.of(
                            Blob.class,
                            Text.class,
                            Items.class,
                            Tags.class,
                            Table.class,
                            Color.class,
                            Paint.class),
                    1 << 20);

    /** The most a refused frame of a few bytes may make the decoder allocate. */
    private static final long REFUSAL_BYTES_MAX = 64 << 10;

    /**
     * Lengths a hostile frame declares in its last field, so 1 is one more than the bytes left. (-1
     * is left out: byte arrays and strings encode length + 1, and 0 is their null.)
     */
    private static final int[] HOSTILE_LENGTHS = {
        Integer.MAX_VALUE, 1 << 30, 1 << 24, 1, -2, Integer.MIN_VALUE
    };

    @Test
    void framesRoundTrip() {
        List<Object> frames =
                List.of(
                        new Blob(new byte[] {1, 2, 3}),
                        new Blob(null),
                        new Text("ascii"),
                        new Text("ünïcødé ✓"),
                        new Text(""),
                        new Items(new ArrayList<>(List.of(NodeId.of(1), "two", new Blob(null)))),
                        new Items(List.of()),
                        new Items(List.of(1L)),
                        new Tags(Set.of(NodeId.of(3), NodeId.of(4), NodeId.of(5))),
                        new Table(Map.of("a", 1, "b", NodeId.of(2))),
                        new Table(Map.of()),
                        new Paint(Color.GREEN, NodeId.of(9)));
        for (Object frame : frames) {
            byte[] bytes = CODEC.encode(frame);
            assertThat(CODEC.encode(CODEC.decode(bytes))).as("%s", frame).isEqualTo(bytes);
        }
    }

    @Test
    void aTinyFrameDeclaringAHugeByteArrayIsRefusedBeforeAllocating() {
        assertHostileLengthsRefused(length -> withLastVarint(new Blob(new byte[0]), length + 1));
    }

    @Test
    void aSubListArrivesAsAnEqualImmutableList() {
        Items items = new Items(List.<Object>of(1, 2, 3, 4).subList(1, 3));
        assertThat(CODEC.decode(CODEC.encode(items))).isEqualTo(new Items(List.of(2, 3)));
    }

    @Test
    void aTinyFrameDeclaringAHugeCollectionIsRefusedBeforeAllocating() {
        assertHostileLengthsRefused(length -> withLastVarint(new Items(new ArrayList<>()), length));
        assertHostileLengthsRefused(length -> withLastVarint(new Items(List.of()), length));
        assertHostileLengthsRefused(length -> withLastVarint(new Tags(Set.of()), length));
        assertHostileLengthsRefused(length -> withLastVarint(new Table(Map.of()), length));
    }

    @Test
    void aTinyFrameDeclaringAHugeStringIsRefusedBeforeAllocating() {
        byte[] prefix = CODEC.encode(new Text(null));
        assertHostileLengthsRefused(
                length -> {
                    Output output = new Output(16);
                    output.writeBytes(prefix, 0, prefix.length - 1);
                    output.writeVarIntFlag(true, length + 1, true); // UTF-8, charCount + 1
                    return output.toBytes();
                });
    }

    @Test
    void deeplyNestedListsAreRefusedWithoutOverflowingTheStack() {
        byte[] one = CODEC.encode(new Items(List.of(List.of())));
        byte[] two = CODEC.encode(new Items(List.of(List.of(List.of()))));
        byte[] level = Arrays.copyOfRange(two, 1, 1 + two.length - one.length);
        int levels = 200_000;
        byte[] deep = new byte[one.length + levels * level.length];
        deep[0] = one[0];
        for (int i = 0; i < levels; i++) {
            System.arraycopy(level, 0, deep, 1 + i * level.length, level.length);
        }
        System.arraycopy(one, 1, deep, 1 + levels * level.length, one.length - 1);

        assertThatThrownBy(() -> CODEC.decode(deep))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("depth");
    }

    @Test
    void aClassNameIsRefusedWithoutLoadingTheClass() {
        Output output = new Output(64);
        output.writeVarInt(1, true); // a class by name, as Kryo writes an unregistered one
        output.writeVarInt(0, true); // first name in the frame
        output.writeString("java.util.concurrent.ForkJoinPool");
        assertThatThrownBy(() -> CODEC.decode(output.toBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("class name");
    }

    @Test
    void onlyRecordsAndEnumsCanBeRegistered() {
        for (Class<?> type : List.of(long[].class, Object[].class, java.util.HashMap.class)) {
            assertThatThrownBy(() -> new WireCodec(List.of(type), 1 << 10))
                    .as("%s", type)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aFrameOverTheLimitIsRefused() {
        assertThatThrownBy(() -> CODEC.decode(new byte[(1 << 20) + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("over the limit");
    }

    /** {@code frame}'s encoding with its last byte, a varint, replaced by {@code value}. */
    private static byte[] withLastVarint(Object frame, int value) {
        byte[] bytes = CODEC.encode(frame);
        Output output = new Output(16);
        output.writeBytes(bytes, 0, bytes.length - 1);
        output.writeVarInt(value, true);
        return output.toBytes();
    }

    private static void assertHostileLengthsRefused(IntFunction<byte[]> frameDeclaring) {
        for (int length : HOSTILE_LENGTHS) {
            byte[] frame = frameDeclaring.apply(length);
            RuntimeException[] thrown = new RuntimeException[1];
            long allocated =
                    allocatedBytes(
                            () -> {
                                try {
                                    CODEC.decode(frame);
                                } catch (RuntimeException e) {
                                    thrown[0] = e;
                                }
                            });
            assertThat(thrown[0])
                    .as("refusal of a frame declaring length %d", length)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(allocated)
                    .as("bytes allocated refusing a frame declaring length %d", length)
                    .isLessThan(REFUSAL_BYTES_MAX);
        }
    }

    private static long allocatedBytes(Runnable action) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
