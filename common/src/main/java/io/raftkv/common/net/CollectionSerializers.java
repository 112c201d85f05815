package io.raftkv.common.net;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kryo serializers for the collections a frame may carry: {@link ArrayList} and the JDK's immutable
 * lists, sets and maps ({@code List.of}, {@code Set.of}, {@code Map.of}, {@code copyOf}). Kryo's
 * own collection serializers size the collection from the count on the wire before reading an
 * element; these check the count against the frame's bytes left first ({@link FrameInput}).
 *
 * <p>Format: {@code [varint count][element...]}, a map's as key, value, key, value. Every element
 * is written with its class, so it takes at least one byte (a null takes one). Immutable
 * collections refuse null elements and duplicate set elements or map keys.
 */
final class CollectionSerializers {
    private CollectionSerializers() {}

    /** A class and the serializer that writes and reads it. */
    record Binding(Class<?> type, Serializer<?> serializer) {}

    /** The classes these serializers handle, in registration order. */
    static List<Binding> all() {
        Serializer<?> immutableList = new ListSerializer(false);
        Serializer<?> immutableSet = new SetSerializer();
        Serializer<?> immutableMap = new MapSerializer();
        return List.of(
                new Binding(ArrayList.class, new ListSerializer(true)),
                new Binding(List.of().getClass(), immutableList),
                new Binding(List.of(1).getClass(), immutableList),
                new Binding(List.of(1, 2, 3).subList(0, 2).getClass(), immutableList),
                new Binding(Set.of().getClass(), immutableSet),
                new Binding(Set.of(1).getClass(), immutableSet),
                new Binding(Map.of().getClass(), immutableMap),
                new Binding(Map.of(1, 2).getClass(), immutableMap));
    }

    private static void writeElements(Kryo kryo, Output output, Collection<?> elements) {
        output.writeVarInt(elements.size(), true);
        for (Object element : elements) {
            kryo.writeClassAndObject(output, element);
        }
    }

    /** Reads a count, checks it, then that many elements times {@code objectsEach}. */
    private static Object[] readElements(Kryo kryo, Input input, int objectsEach) {
        int count = input.readVarInt(true);
        ((FrameInput) input).checkFits(count, objectsEach, "collection");
        Object[] elements = new Object[count * objectsEach];
        for (int i = 0; i < elements.length; i++) {
            elements[i] = kryo.readClassAndObject(input);
        }
        return elements;
    }

    private static final class ListSerializer extends Serializer<List<Object>> {
        private final boolean mutable;

        ListSerializer(boolean mutable) {
            this.mutable = mutable;
        }

        @Override
        public void write(Kryo kryo, Output output, List<Object> list) {
            writeElements(kryo, output, list);
        }

        @Override
        public List<Object> read(Kryo kryo, Input input, Class<? extends List<Object>> type) {
            Object[] elements = readElements(kryo, input, 1);
            return mutable ? new ArrayList<>(Arrays.asList(elements)) : List.of(elements);
        }
    }

    private static final class SetSerializer extends Serializer<Set<Object>> {
        @Override
        public void write(Kryo kryo, Output output, Set<Object> set) {
            writeElements(kryo, output, set);
        }

        @Override
        public Set<Object> read(Kryo kryo, Input input, Class<? extends Set<Object>> type) {
            return Set.of(readElements(kryo, input, 1));
        }
    }

    private static final class MapSerializer extends Serializer<Map<Object, Object>> {
        @Override
        public void write(Kryo kryo, Output output, Map<Object, Object> map) {
            output.writeVarInt(map.size(), true);
            for (Map.Entry<Object, Object> entry : map.entrySet()) {
                kryo.writeClassAndObject(output, entry.getKey());
                kryo.writeClassAndObject(output, entry.getValue());
            }
        }

        @Override
        public Map<Object, Object> read(
                Kryo kryo, Input input, Class<? extends Map<Object, Object>> type) {
            Object[] keysAndValues = readElements(kryo, input, 2);
            @SuppressWarnings("unchecked")
            Map.Entry<Object, Object>[] entries = new Map.Entry[keysAndValues.length / 2];
            for (int i = 0; i < entries.length; i++) {
                entries[i] = Map.entry(keysAndValues[2 * i], keysAndValues[2 * i + 1]);
            }
            return Map.ofEntries(entries);
        }
    }
}
