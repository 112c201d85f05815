package io.raftkv.shardkv.redis;

import io.raftkv.shardkv.kv.Decimal;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvOp.Condition;
import io.raftkv.shardkv.kv.KvResult;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The single-key string commands: each is one {@link KvOp} through the router, so each is
 * linearizable, and each write is applied exactly once.
 */
final class KeyCommands {
    static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
    static final String SYNTAX_ERROR = "ERR syntax error";
    static final String NO_EXPIRY =
            "ERR EX, PX, EXAT, PXAT and KEEPTTL are not supported: raftkv keys do not expire";

    private KeyCommands() {}

    /** Runs {@code op} and turns its result into a reply: a success by {@code onSuccess}. */
    static CompletableFuture<RespReply> run(
            Call call, KvOp op, Function<KvResult, RespReply> onSuccess) {
        return call.backend().execute(op).thenApply(onSuccess);
    }

    static CompletableFuture<RespReply> done(RespReply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    static CompletableFuture<RespReply> get(Call call) {
        return run(call, new KvOp.Get(call.command().argument(1)), KeyCommands::valueOrNil);
    }

    static RespReply valueOrNil(KvResult result) {
        return result instanceof KvResult.Value value
                ? RespReply.bulkOrNil(value.value())
                : Outcomes.failure(result);
    }

    static CompletableFuture<RespReply> strlen(Call call) {
        return run(
                call,
                new KvOp.Get(call.command().argument(1)),
                result ->
                        result instanceof KvResult.Value value
                                ? RespReply.number(value.value() == null ? 0 : value.value().length)
                                : Outcomes.failure(result));
    }

    /** {@code SET key value [NX | XX] [GET]}; expiry options are refused. */
    static CompletableFuture<RespReply> set(Call call) {
        RespCommand command = call.command();
        Condition condition = Condition.ALWAYS;
        boolean get = false;
        for (int i = 3; i < command.count(); i++) {
            switch (command.text(i).toUpperCase(Locale.ROOT)) {
                case "NX" -> {
                    if (condition == Condition.PRESENT) {
                        return done(RespReply.error(SYNTAX_ERROR));
                    }
                    condition = Condition.ABSENT;
                }
                case "XX" -> {
                    if (condition == Condition.ABSENT) {
                        return done(RespReply.error(SYNTAX_ERROR));
                    }
                    condition = Condition.PRESENT;
                }
                case "GET" -> get = true;
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL" -> {
                    return done(RespReply.error(NO_EXPIRY));
                }
                default -> {
                    return done(RespReply.error(SYNTAX_ERROR));
                }
            }
        }
        byte[] key = command.argument(1);
        byte[] value = command.argument(2);
        if (condition == Condition.ALWAYS && !get) {
            return run(call, new KvOp.Put(key, value), KeyCommands::ok);
        }
        boolean returnPrevious = get;
        return run(
                call,
                new KvOp.SetIf(key, value, condition, get),
                result -> {
                    if (!(result instanceof KvResult.Previous previous)) {
                        return Outcomes.failure(result);
                    }
                    if (returnPrevious) {
                        return RespReply.bulkOrNil(previous.previous());
                    }
                    return previous.written() ? RespReply.OK : RespReply.NIL;
                });
    }

    static RespReply ok(KvResult result) {
        return result instanceof KvResult.Ok ? RespReply.OK : Outcomes.failure(result);
    }

    static CompletableFuture<RespReply> setnx(Call call) {
        RespCommand command = call.command();
        KvOp op = new KvOp.SetIf(command.argument(1), command.argument(2), Condition.ABSENT, false);
        return run(
                call,
                op,
                result ->
                        result instanceof KvResult.Previous previous
                                ? RespReply.number(previous.written() ? 1 : 0)
                                : Outcomes.failure(result));
    }

    static CompletableFuture<RespReply> getset(Call call) {
        RespCommand command = call.command();
        KvOp op = new KvOp.SetIf(command.argument(1), command.argument(2), Condition.ALWAYS, true);
        return run(call, op, KeyCommands::previousOrNil);
    }

    static CompletableFuture<RespReply> getdel(Call call) {
        return run(
                call,
                new KvOp.GetDelete(call.command().argument(1), true),
                KeyCommands::previousOrNil);
    }

    private static RespReply previousOrNil(KvResult result) {
        return result instanceof KvResult.Previous previous
                ? RespReply.bulkOrNil(previous.previous())
                : Outcomes.failure(result);
    }

    static CompletableFuture<RespReply> append(Call call) {
        RespCommand command = call.command();
        return run(
                call,
                new KvOp.AppendLength(command.argument(1), command.argument(2)),
                KeyCommands::number);
    }

    private static RespReply number(KvResult result) {
        return result instanceof KvResult.Number number
                ? RespReply.number(number.value())
                : Outcomes.failure(result);
    }

    /** INCR, DECR, INCRBY and DECRBY: {@code sign} is 1 or -1; {@code by}: the delta is given. */
    static CommandSpec.Handler increment(int sign, boolean by) {
        return call -> {
            long delta = 1;
            if (by) {
                OptionalLong given = Decimal.parse(call.command().argument(2));
                if (given.isEmpty()) {
                    return done(RespReply.error(NOT_AN_INTEGER));
                }
                delta = given.getAsLong();
                if (sign < 0 && delta == Long.MIN_VALUE) {
                    return done(RespReply.error("ERR decrement would overflow"));
                }
            }
            return run(
                    call,
                    new KvOp.IncrementBy(call.command().argument(1), sign * delta),
                    KeyCommands::number);
        };
    }
}
