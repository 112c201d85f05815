package io.raftkv.shardkv.redis;

import io.raftkv.common.Check;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One command of the table: how Redis describes it ({@code COMMAND INFO} and {@code COMMAND DOCS}
 * report these fields) and the handler that runs it.
 *
 * @param name lower case, as Redis reports it
 * @param arity the argument count, the name included; negative: at least that many
 * @param flags Redis's command flags ({@code readonly}, {@code write}, {@code fast}, ...)
 * @param firstKey position of the first key argument (0: none)
 * @param lastKey position of the last key argument (-1: the last argument)
 * @param step the distance between keys
 * @param group Redis's command group ({@code string}, {@code connection}, {@code server})
 * @param summary one line for {@code COMMAND DOCS}
 */
record CommandSpec(
        String name,
        int arity,
        List<String> flags,
        int firstKey,
        int lastKey,
        int step,
        String group,
        String summary,
        Handler handler) {
    /** Runs a command whose arity has been checked; the future completes with its reply. */
    @FunctionalInterface
    interface Handler {
        CompletableFuture<RespReply> handle(Call call);
    }

    CommandSpec {
        Check.argument(name.equals(name.toLowerCase(java.util.Locale.ROOT)), "lower case names");
        Check.argument(arity != 0, "an arity counts the name");
        flags = List.copyOf(flags);
    }

    /** Whether {@code count} arguments (the name included) fit the arity. */
    boolean accepts(int count) {
        return arity > 0 ? count == arity : count >= -arity;
    }
}
