package io.raftkv.shardkv.redis;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The commands the RESP server knows, by name, and the dispatch that checks a command's name and
 * arity before its handler runs, answering as Redis does when either is wrong. Immutable.
 */
final class CommandTable {
    private static final List<String> READ = List.of("readonly", "fast");
    private static final List<String> WRITE = List.of("write", "denyoom", "fast");
    private static final List<String> LOCAL = List.of("fast", "stale", "loading");

    private final TreeMap<String, CommandSpec> commands = new TreeMap<>();

    private CommandTable(List<CommandSpec> specs) {
        specs.forEach(spec -> commands.put(spec.name(), spec));
    }

    /** Every command of this server. */
    static CommandTable standard() {
        return new CommandTable(
                List.of(
                        key("get", 2, READ, "Returns the value of a key.", KeyCommands::get),
                        key(
                                "set",
                                -3,
                                WRITE,
                                "Sets a key's value; NX, XX and GET (no expiry).",
                                KeyCommands::set),
                        key("setnx", 3, WRITE, "Sets a key only if absent.", KeyCommands::setnx),
                        key(
                                "getset",
                                3,
                                WRITE,
                                "Sets a key, returning its old value.",
                                KeyCommands::getset),
                        key(
                                "getdel",
                                2,
                                WRITE,
                                "Deletes a key, returning its value.",
                                KeyCommands::getdel),
                        key(
                                "append",
                                3,
                                WRITE,
                                "Appends to a key's value; returns the new length.",
                                KeyCommands::append),
                        key("strlen", 2, READ, "The length of a key's value.", KeyCommands::strlen),
                        key(
                                "incr",
                                2,
                                WRITE,
                                "Adds 1 to a key's integer value.",
                                KeyCommands.increment(1, false)),
                        key(
                                "decr",
                                2,
                                WRITE,
                                "Subtracts 1 from a key's integer value.",
                                KeyCommands.increment(-1, false)),
                        key(
                                "incrby",
                                3,
                                WRITE,
                                "Adds to a key's integer value.",
                                KeyCommands.increment(1, true)),
                        key(
                                "decrby",
                                3,
                                WRITE,
                                "Subtracts from a key's integer value.",
                                KeyCommands.increment(-1, true)),
                        keys(
                                "del",
                                -2,
                                List.of("write"),
                                1,
                                "Deletes keys; not atomic across keys.",
                                MultiKeyCommands::del),
                        keys(
                                "exists",
                                -2,
                                List.of("readonly", "fast"),
                                1,
                                "Counts the keys that exist.",
                                MultiKeyCommands::exists),
                        keys(
                                "mget",
                                -2,
                                List.of("readonly", "fast"),
                                1,
                                "Values of keys; each linearizable, not atomic across keys.",
                                MultiKeyCommands::mget),
                        keys(
                                "mset",
                                -3,
                                List.of("write", "denyoom"),
                                2,
                                "Sets keys; each linearizable, not atomic across keys.",
                                MultiKeyCommands::mset),
                        local("ping", -1, "connection", "Answers PONG.", ConnectionCommands::ping),
                        local("echo", 2, "connection", "Echoes.", ConnectionCommands::echo),
                        local(
                                "hello",
                                -1,
                                "connection",
                                "Chooses RESP2 or RESP3.",
                                ConnectionCommands::hello),
                        local(
                                "select",
                                2,
                                "connection",
                                "Selects database 0, the only one.",
                                ConnectionCommands::select),
                        local(
                                "quit",
                                -1,
                                "connection",
                                "Closes the connection.",
                                ConnectionCommands::quit),
                        local(
                                "client",
                                -2,
                                "connection",
                                "CLIENT ID, SETNAME, GETNAME, SETINFO.",
                                ConnectionCommands::client),
                        local(
                                "info",
                                -1,
                                "server",
                                "raftkv's node, groups and roles.",
                                InfoCommand::info),
                        local(
                                "command",
                                -1,
                                "server",
                                "Describes the commands.",
                                CommandCommand::command)));
    }

    private static CommandSpec key(
            String name,
            int arity,
            List<String> flags,
            String summary,
            CommandSpec.Handler handler) {
        return new CommandSpec(name, arity, flags, 1, 1, 1, "string", summary, handler);
    }

    private static CommandSpec keys(
            String name,
            int arity,
            List<String> flags,
            int step,
            String summary,
            CommandSpec.Handler handler) {
        String group = name.equals("del") || name.equals("exists") ? "keyspace" : "string";
        return new CommandSpec(name, arity, flags, 1, -1, step, group, summary, handler);
    }

    private static CommandSpec local(
            String name, int arity, String group, String summary, CommandSpec.Handler handler) {
        return new CommandSpec(name, arity, LOCAL, 0, 0, 0, group, summary, handler);
    }

    /** The command named {@code name}, in any case. */
    Optional<CommandSpec> find(String name) {
        return Optional.ofNullable(commands.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Every command, by name. */
    Collection<CommandSpec> all() {
        return commands.values();
    }

    /**
     * Runs {@code call}'s command: an unknown name or a wrong argument count gets Redis's error
     * without running anything.
     */
    CompletableFuture<RespReply> dispatch(Call call) {
        RespCommand command = call.command();
        Optional<CommandSpec> spec = find(command.text(0));
        if (spec.isEmpty()) {
            return KeyCommands.done(RespReply.error(unknown(command)));
        }
        if (!spec.get().accepts(command.count())) {
            return KeyCommands.done(
                    RespReply.error(
                            "ERR wrong number of arguments for '%s' command"
                                    .formatted(spec.get().name())));
        }
        return spec.get().handler().handle(call);
    }

    /** Redis 7's words: the name and the start of each of the first arguments. */
    private static String unknown(RespCommand command) {
        StringBuilder text =
                new StringBuilder("ERR unknown command '")
                        .append(oneLine(command.text(0), 128))
                        .append("', with args beginning with: ");
        for (int i = 1; i < command.count() && text.length() < 256; i++) {
            text.append('\'').append(oneLine(command.text(i), 128)).append("' ");
        }
        return text.toString();
    }

    /** {@code text} cut to {@code max} characters, without line breaks (an error is one line). */
    private static String oneLine(String text, int max) {
        String cut = text.length() > max ? text.substring(0, max) : text;
        return cut.replace('\r', ' ').replace('\n', ' ');
    }
}
