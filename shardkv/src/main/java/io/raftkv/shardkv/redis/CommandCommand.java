package io.raftkv.shardkv.redis;

import static io.raftkv.shardkv.redis.KeyCommands.done;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code COMMAND}, {@code COMMAND COUNT}, {@code COMMAND LIST}, {@code COMMAND INFO name...} and
 * {@code COMMAND DOCS [name...]}, from the command table, in Redis 7's shapes: enough for {@code
 * redis-cli}'s hints and for clients that look commands up.
 */
final class CommandCommand {
    private CommandCommand() {}

    static CompletableFuture<RespReply> command(Call call) {
        RespCommand command = call.command();
        CommandTable table = call.table();
        if (command.count() == 1) {
            return done(RespReply.array(table.all().stream().map(CommandCommand::info).toList()));
        }
        String sub = command.text(1).toUpperCase(Locale.ROOT);
        return done(
                switch (sub) {
                    case "COUNT" -> RespReply.number(table.all().size());
                    case "LIST" ->
                            RespReply.array(
                                    table.all().stream()
                                            .map(spec -> RespReply.bulk(spec.name()))
                                            .toList());
                    case "INFO" -> RespReply.array(named(call, 2, CommandCommand::infoOrNil));
                    case "DOCS" -> docs(call);
                    default ->
                            RespReply.error(
                                    "ERR unknown subcommand '%s'. Try COMMAND COUNT, LIST, INFO or DOCS."
                                            .formatted(command.text(1)));
                });
    }

    private static List<RespReply> named(
            Call call,
            int from,
            java.util.function.Function<Optional<CommandSpec>, RespReply> describe) {
        List<RespReply> replies = new ArrayList<>();
        for (int i = from; i < call.command().count(); i++) {
            replies.add(describe.apply(call.table().find(call.command().text(i))));
        }
        return replies;
    }

    private static RespReply infoOrNil(Optional<CommandSpec> spec) {
        return spec.map(CommandCommand::info).orElse(RespReply.NIL);
    }

    /** Redis 7's command info: name, arity, flags, keys, ACL categories, tips, key specs, subs. */
    static RespReply info(CommandSpec spec) {
        return RespReply.array(
                List.of(
                        RespReply.bulk(spec.name()),
                        RespReply.number(spec.arity()),
                        RespReply.array(
                                spec.flags().stream()
                                        .<RespReply>map(RespReply.Simple::new)
                                        .toList()),
                        RespReply.number(spec.firstKey()),
                        RespReply.number(spec.lastKey()),
                        RespReply.number(spec.step()),
                        RespReply.array(List.of(new RespReply.Simple("@" + spec.group()))),
                        RespReply.array(List.of()),
                        RespReply.array(List.of()),
                        RespReply.array(List.of())));
    }

    private static RespReply docs(Call call) {
        List<CommandSpec> specs = new ArrayList<>();
        if (call.command().count() == 2) {
            specs.addAll(call.table().all());
        } else {
            for (int i = 2; i < call.command().count(); i++) {
                call.table().find(call.command().text(i)).ifPresent(specs::add);
            }
        }
        List<RespReply> entries = new ArrayList<>();
        for (CommandSpec spec : specs) {
            entries.add(RespReply.bulk(spec.name()));
            entries.add(
                    RespReply.keyValues()
                            .put("summary", spec.summary())
                            .put("since", "1.0.0")
                            .put("group", spec.group())
                            .build());
        }
        return new RespReply.KeyValues(entries);
    }
}
