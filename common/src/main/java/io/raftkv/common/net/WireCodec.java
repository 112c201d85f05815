package io.raftkv.common.net;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.Pool;
import io.raftkv.common.Check;
import io.raftkv.common.GroupId;
import io.raftkv.common.NodeId;
import java.util.List;

/**
 * Encodes frames with Kryo, registration required: only the classes listed here (in this order, so
 * every node assigns the same ids) can be read from the wire, and reading runs each record's
 * compact constructor, so its checks validate remote input once at the edge.
 *
 * <p>Decoding cannot be made to allocate much more than the frame's own size: every length and
 * count is checked against the bytes left before anything is allocated ({@link FrameInput}, {@link
 * CollectionSerializers}), and nesting deeper than {@value #DEPTH_MAX} levels is refused, so a
 * frame cannot exhaust the heap or the stack.
 *
 * <p>Kryo instances are pooled; the codec is thread-safe. Same-version nodes only: the encoding has
 * no schema evolution, so on-disk formats never use it.
 */
public final class WireCodec {
    private static final int FIRST_ID = 100;

    /** Objects nested in objects, at most; a node's deepest frame needs about 8. */
    static final int DEPTH_MAX = 32;

    private final List<Class<?>> classes;
    private final int frameBytesMax;
    private final Pool<Kryo> pool;

    /**
     * @param classes every record and enum that may appear in a frame, in an order fixed for the
     *     protocol version ({@code byte[]}, {@link NodeId}, {@link GroupId}, strings, boxed
     *     primitives, {@code ArrayList} and the immutable {@code List}, {@code Set} and {@code Map}
     *     are built in); other classes would bring Kryo serializers that allocate from the wire
     * @param frameBytesMax the largest encoded frame accepted or produced
     */
    public WireCodec(List<Class<?>> classes, int frameBytesMax) {
        Check.argument(frameBytesMax > 0, "frameBytesMax must be positive");
        for (Class<?> type : classes) {
            Check.argument(
                    type.isRecord() || type.isEnum(),
                    "%s cannot be on the wire: only records and enums can",
                    type.getName());
        }
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
        Kryo kryo = new Kryo(new RegisteredIdsOnly(), null);
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setMaxDepth(DEPTH_MAX);
        int id = FIRST_ID;
        for (CollectionSerializers.Binding binding : CollectionSerializers.all()) {
            kryo.register(binding.type(), binding.serializer(), id++);
        }
        for (Class<?> type : baseClasses()) {
            kryo.register(type, id++);
        }
        for (Class<?> type : classes) {
            kryo.register(type, id++);
        }
        return kryo;
    }

    /**
     * Reads classes by registered id only. NB: Kryo reads a class name (id 1) by loading the named
     * class, and only then finds it unregistered; a frame could make a node load any class on its
     * class path.
     */
    private static final class RegisteredIdsOnly extends DefaultClassResolver {
        @Override
        protected Registration readName(Input input) {
            throw new KryoException("a class name where a registered class id belongs");
        }
    }

    private static List<Class<?>> baseClasses() {
        return List.of(byte[].class, NodeId.class, GroupId.class, Hello.class);
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
        } catch (KryoException e) {
            throw new IllegalArgumentException("cannot encode frame: " + e.getMessage(), e);
        } finally {
            pool.free(kryo);
        }
    }

    /**
     * The frame in {@code bytes}. Throws {@link IllegalArgumentException} for anything malformed:
     * an unknown class id or a class name, truncated data, a length or count larger than the bytes
     * left, nesting deeper than {@value #DEPTH_MAX}, a value a record's constructor rejects, or
     * trailing bytes. NB: only {@link RuntimeException}s are caught; the checks above leave a frame
     * no way to cause an {@link Error}.
     */
    public Object decode(byte[] bytes) {
        Check.argument(
                bytes.length <= frameBytesMax,
                "frame of %d bytes is over the limit of %d",
                bytes.length,
                frameBytesMax);
        Kryo kryo = pool.obtain();
        try (FrameInput input = new FrameInput(bytes)) {
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
