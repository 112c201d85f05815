package io.raftkv.shardkv.linearizability;

/**
 * What the client learned about an operation's outcome. {@link Unknown} means it never learned
 * (timeout, crash): the operation may or may not have taken effect, at any instant after its call.
 */
public sealed interface KvOutput {
    /** The output of a {@link KvInput.Get}: the value read, {@code null} when the key is absent. */
    record Value(String value) implements KvOutput {
        @Override
        public String toString() {
            return Render.value(value);
        }
    }

    /** The output of a {@link KvInput.Put}, {@link KvInput.Append} or {@link KvInput.Delete}. */
    record Ok() implements KvOutput {
        @Override
        public String toString() {
            return "ok";
        }
    }

    /** The output of a {@link KvInput.CompareAndSet}: whether it swapped. */
    record Swapped(boolean swapped) implements KvOutput {
        @Override
        public String toString() {
            return swapped ? "swapped" : "not swapped";
        }
    }

    /** No outcome is known: any output is accepted and the effect may or may not have happened. */
    record Unknown() implements KvOutput {
        @Override
        public String toString() {
            return "unknown";
        }
    }

    KvOutput OK = new Ok();
    KvOutput UNKNOWN = new Unknown();
    KvOutput ABSENT = new Value(null);
    KvOutput SWAPPED = new Swapped(true);
    KvOutput NOT_SWAPPED = new Swapped(false);

    static KvOutput value(String value) {
        return new Value(value);
    }

    /** Whether this output may answer {@code input}: its kind matches, or it is {@link Unknown}. */
    default boolean answers(KvInput input) {
        return switch (this) {
            case Value value -> input instanceof KvInput.Get;
            case Ok ok ->
                    input instanceof KvInput.Put
                            || input instanceof KvInput.Append
                            || input instanceof KvInput.Delete;
            case Swapped swapped -> input instanceof KvInput.CompareAndSet;
            case Unknown unknown -> true;
        };
    }
}
