package io.raftkv.common.net;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.Pool;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes frames with Kryo, registration required: only the classes listed here (in this order, so
 * every node assigns the same ids) can be read from the wire, and reading runs each record's
 * compact constructor, so its checks validate remote input once at the edge.
 *
 * <p>Kryo instances are pooled; the codec is thread-safe. Same-version nodes only: the encoding has
 * no schema evolution, so on-disk formats never use it.
 */
public final class WireCodec {
    private static final int FIRST_ID = 100;

    private final List<Class<?>> classes;
    private final int frameBytesMax;
    private final Pool<Kryo> pool;

    /**
     * @param classes every class that may appear in a frame (records, enums, arrays), in an order
     *     fixed for the protocol version
     * @param frameBytesMax the largest encoded frame accepted or produced
     */
    public WireCodec(List<Class<?>> classes, int frameBytesMax) {
        Check.argument(frameBytesMax > 0, "frameBytesMax must be positive");
        this.classes = List.copyOf(classes);
        this.frameBytesMax = frameBytesMax;
        this.pool =
                new Pool<>(true, false, 16) {
                    @Override
                    protected Kryo create() {
                        return newKryo();
                    }
                };
    }

    private Kryo newKryo() {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        ImmutableCollectionsSerializers.registerSerializers(kryo);
        int id = FIRST_ID;
        for (Class<?> type : baseClasses()) {
            kryo.register(type, id++);
        }
        for (Class<?> type : classes) {
            kryo.register(type, id++);
        }
        return kryo;
    }

    private static List<Class<?>> baseClasses() {
        return List.of(byte[].class, ArrayList.class, NodeId.class, GroupId.class, Hello.class);
    }

    public int frameBytesMax() {
        return frameBytesMax;
    }

    /** The frame's bytes. Throws {@link IllegalArgumentException} if it is larger than allowed. */
    public byte[] encode(Object frame) {
        Kryo kryo = pool.obtain();
        try (Output output = new Output(256, frameBytesMax)) {
            kryo.writeClassAndObject(output, frame);
            return output.toBytes();
        } catch (com.esotericsoftware.kryo.KryoException e) {
            throw new IllegalArgumentException("cannot encode frame: " + e.getMessage(), e);
        } finally {
            pool.free(kryo);
        }
    }

    /**
     * The frame in {@code bytes}. Throws {@link IllegalArgumentException} for anything malformed:
     * an unknown class id, truncated data, a value a record's constructor rejects, or trailing
     * bytes.
     */
    public Object decode(byte[] bytes) {
        Kryo kryo = pool.obtain();
        try (Input input = new Input(bytes)) {
            Object frame = kryo.readClassAndObject(input);
            Check.argument(
                    input.position() == bytes.length,
                    "%d trailing bytes",
                    bytes.length - input.position());
            Check.argument(frame != null, "empty frame");
            return frame;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed frame: " + e.getMessage(), e);
        } finally {
            pool.free(kryo);
        }
    }
}
