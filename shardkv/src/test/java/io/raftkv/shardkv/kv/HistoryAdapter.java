package io.raftkv.shardkv.kv;

import io.raftkv.shardkv.linearizability.KvInput;
import io.raftkv.shardkv.linearizability.KvOutput;
import io.raftkv.shardkv.linearizability.Operation;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a clerk's operations and results into the linearizability checker's history (byte strings
 * as UTF-8 text, virtual milliseconds as the clock). Results that carry no outcome (wrong group,
 * too large, {@link KvResult.Unknown}) are recorded as unknown: the operation may have taken effect
 * at any instant after its call, or never; a read that failed that way took no effect.
 *
 * <p>An operation that ended {@link KvResult.Unavailable} or {@link KvResult.SessionExpired} is
 * left out, as the client ({@code KvRouter}) promises that it took no effect: it was never handed
 * to a group, or its only attempt was refused (after a retry the router says Unknown instead). A
 * write that took effect all the same shows up as a value no operation in the history wrote. NB: as
 * unknowns, the expired writes of seeds whose shards keep few sessions made the checker time out.
 */
public final class HistoryAdapter {
    /** Receives every completed operation (result null: the clerk gave up, outcome unknown). */
    @FunctionalInterface
    public interface Recorder {
        void record(int clientId, KvOp op, KvResult result, long callMillis, long returnMillis);
    }

    private HistoryAdapter() {}

    public static Recorder into(List<Operation> history) {
        return (clientId, op, result, callMillis, returnMillis) -> {
            if (!(result instanceof KvResult.Unavailable)
                    && !(result instanceof KvResult.SessionExpired)) {
                history.add(operation(clientId, op, result, callMillis, returnMillis));
            }
        };
    }

    static Operation operation(
            int clientId, KvOp op, KvResult result, long callMillis, long returnMillis) {
        KvInput input = input(op);
        KvOutput output = output(result);
        if (output instanceof KvOutput.Unknown) {
            return Operation.unknown(clientId, input, callMillis * 1_000_000);
        }
        return new Operation(
                clientId, input, output, callMillis * 1_000_000, returnMillis * 1_000_000);
    }

    private static KvInput input(KvOp op) {
        return switch (op) {
            case KvOp.Get get -> new KvInput.Get(text(get.key()));
            case KvOp.Put put -> new KvInput.Put(text(put.key()), text(put.value()));
            case KvOp.Append append -> new KvInput.Append(text(append.key()), text(append.value()));
            case KvOp.Delete delete -> new KvInput.Delete(text(delete.key()));
            case KvOp.CompareAndSet cas ->
                    new KvInput.CompareAndSet(
                            text(cas.key()),
                            cas.expected() == null ? null : text(cas.expected()),
                            text(cas.value()));
            case KvOp.SetIf set -> unmodelled(op);
            case KvOp.GetDelete delete -> unmodelled(op);
            case KvOp.AppendLength append -> unmodelled(op);
            case KvOp.IncrementBy increment -> unmodelled(op);
        };
    }

    private static KvOutput output(KvResult result) {
        if (result == null) {
            return new KvOutput.Unknown();
        }
        return switch (result) {
            case KvResult.Ok ok -> new KvOutput.Ok();
            case KvResult.Value value ->
                    new KvOutput.Value(value.value() == null ? null : text(value.value()));
            case KvResult.Swapped swapped -> new KvOutput.Swapped(swapped.swapped());
            case KvResult.WrongGroup wrong -> new KvOutput.Unknown();
            case KvResult.TooLarge tooLarge -> new KvOutput.Unknown();
            case KvResult.SessionExpired expired -> new KvOutput.Unknown();
            case KvResult.Malformed malformed -> new KvOutput.Unknown();
            case KvResult.WrongConfig wrong -> new KvOutput.Unknown();
            case KvResult.Chunk chunk -> new KvOutput.Unknown();
            case KvResult.Reclaimed reclaimed -> new KvOutput.Unknown();
            case KvResult.Unavailable unavailable -> new KvOutput.Unknown();
            case KvResult.Unknown unknown -> new KvOutput.Unknown();
            case KvResult.Status status -> new KvOutput.Unknown();
            case KvResult.Previous previous -> new KvOutput.Unknown();
            case KvResult.Number number -> new KvOutput.Unknown();
            case KvResult.NotANumber notANumber -> new KvOutput.Unknown();
        };
    }

    private static KvInput unmodelled(KvOp op) {
        throw new IllegalArgumentException("the register model has no " + op.getClass());
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
