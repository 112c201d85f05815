package io.raftkv.shardkv.redis;

import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * MGET, MSET, DEL and EXISTS: one {@link KvOp} per key, all sent at once, each routed to its own
 * shard. NB: each key is linearizable, but the command is <em>not atomic across keys</em> (unlike
 * Redis): another client may see some of an MSET's keys written and not others, and an MSET or DEL
 * that fails for some keys has still been applied to the others, which its error says.
 */
final class MultiKeyCommands {
    private MultiKeyCommands() {}

    static CompletableFuture<RespReply> mget(Call call) {
        return runAll(call, gets(call)).thenApply(MultiKeyCommands::mgetReply);
    }

    private static RespReply mgetReply(List<KvResult> results) {
        Optional<KvResult> failure = firstFailure(results, KvResult.Value.class::isInstance);
        if (failure.isPresent()) {
            return Outcomes.failure(failure.get());
        }
        return RespReply.array(results.stream().map(KeyCommands::valueOrNil).toList());
    }

    /**
     * {@code EXISTS key [key ...]}: how many of the keys exist, a key named twice counting twice.
     */
    static CompletableFuture<RespReply> exists(Call call) {
        return runAll(call, gets(call)).thenApply(MultiKeyCommands::existsReply);
    }

    private static RespReply existsReply(List<KvResult> results) {
        Optional<KvResult> failure = firstFailure(results, KvResult.Value.class::isInstance);
        if (failure.isPresent()) {
            return Outcomes.failure(failure.get());
        }
        return RespReply.number(count(results, r -> ((KvResult.Value) r).value() != null));
    }

    private static List<KvOp> gets(Call call) {
        List<KvOp> gets = new ArrayList<>();
        for (int i = 1; i < call.command().count(); i++) {
            gets.add(new KvOp.Get(call.command().argument(i)));
        }
        return gets;
    }

    /** {@code MSET key value [key value ...]}. */
    static CompletableFuture<RespReply> mset(Call call) {
        RespCommand command = call.command();
        if (command.count() % 2 == 0) {
            return KeyCommands.done(
                    RespReply.error("ERR wrong number of arguments for 'mset' command"));
        }
        List<KvOp> puts = new ArrayList<>();
        for (int i = 1; i < command.count(); i += 2) {
            puts.add(new KvOp.Put(command.argument(i), command.argument(i + 1)));
        }
        return runAll(call, puts)
                .thenApply(
                        results ->
                                writesReply(
                                        results,
                                        KvResult.Ok.class::isInstance,
                                        "set",
                                        ok -> RespReply.OK));
    }

    static CompletableFuture<RespReply> del(Call call) {
        List<KvOp> deletes = new ArrayList<>();
        for (int i = 1; i < call.command().count(); i++) {
            deletes.add(new KvOp.GetDelete(call.command().argument(i), false));
        }
        Predicate<KvResult> deleted = r -> r instanceof KvResult.Previous p && p.written();
        return runAll(call, deletes)
                .thenApply(
                        results ->
                                writesReply(
                                        results,
                                        KvResult.Previous.class::isInstance,
                                        "deleted",
                                        all -> RespReply.number(count(all, deleted))));
    }

    /**
     * The reply of a multi-key write: {@code onSuccess} if every key succeeded; else the first
     * failure, UNKNOWN if any key's outcome is unknown, saying how many keys were {@code done}.
     */
    private static RespReply writesReply(
            List<KvResult> results,
            Predicate<KvResult> success,
            String done,
            Function<List<KvResult>, RespReply> onSuccess) {
        var failure =
                results.stream()
                        .filter(Outcomes::mayHaveApplied)
                        .findFirst()
                        .or(() -> firstFailure(results, success));
        if (failure.isEmpty()) {
            return onSuccess.apply(results);
        }
        int succeeded = count(results, success);
        if (succeeded == 0 || results.size() == 1) {
            return Outcomes.failure(failure.get());
        }
        String[] words = Outcomes.failureText(failure.get()).split(" ", 2);
        return RespReply.error(
                "%s %d of %d keys were %s (not atomic across keys); the others: %s"
                        .formatted(words[0], succeeded, results.size(), done, words[1]));
    }

    private static Optional<KvResult> firstFailure(
            List<KvResult> results, Predicate<KvResult> success) {
        return results.stream().filter(success.negate()).findFirst();
    }

    private static int count(List<KvResult> results, Predicate<KvResult> which) {
        return (int) results.stream().filter(which).count();
    }

    /** Runs every op at once; completes with their results in order. */
    private static CompletableFuture<List<KvResult>> runAll(Call call, List<KvOp> ops) {
        List<CompletableFuture<KvResult>> futures =
                ops.stream().map(op -> call.backend().execute(op)).toList();
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> futures.stream().map(CompletableFuture::join).toList());
    }
}
