package io.raftkv.shardkv.redis;

import static io.raftkv.shardkv.redis.KeyCommands.done;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The commands about the connection itself, answered by the server without the store: PING, ECHO,
 * HELLO, SELECT, QUIT and CLIENT.
 */
final class ConnectionCommands {
    /** The Redis version whose commands this server speaks, for clients that ask. */
    static final String REDIS_VERSION = "7.0.0";

    private ConnectionCommands() {}

    static CompletableFuture<RespReply> ping(Call call) {
        return done(
                call.command().count() == 1
                        ? new RespReply.Simple("PONG")
                        : new RespReply.Bulk(call.command().argument(1)));
    }

    static CompletableFuture<RespReply> echo(Call call) {
        return done(new RespReply.Bulk(call.command().argument(1)));
    }

    /** SELECT 0 only: raftkv has one keyspace. */
    static CompletableFuture<RespReply> select(Call call) {
        String index = call.command().text(1);
        if (!index.matches("-?[0-9]{1,18}")) {
            return done(RespReply.error(KeyCommands.NOT_AN_INTEGER));
        }
        return done(
                Long.parseLong(index) == 0
                        ? RespReply.OK
                        : RespReply.error(
                                "ERR DB index is out of range (raftkv has database 0 only)"));
    }

    static CompletableFuture<RespReply> quit(Call call) {
        call.client().quitting = true;
        return done(RespReply.OK);
    }

    /**
     * {@code HELLO [protover [AUTH username password] [SETNAME name]]}: switches to RESP2 or RESP3
     * and answers with the server's description. raftkv has no passwords: AUTH is accepted for the
     * {@code default} user, as Redis does when none is set.
     */
    static CompletableFuture<RespReply> hello(Call call) {
        RespCommand command = call.command();
        int protocol = call.client().protocol;
        if (command.count() > 1) {
            String version = command.text(1);
            if (!version.equals("2") && !version.equals("3")) {
                return done(
                        RespReply.error(
                                version.matches("-?[0-9]{1,18}")
                                        ? "NOPROTO unsupported protocol version"
                                        : "ERR Protocol version is not an integer or out of range"));
            }
            protocol = Integer.parseInt(version);
        }
        String name = null;
        for (int i = 2; i < command.count(); i++) {
            String option = command.text(i).toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < command.count()) {
                if (!command.text(i + 1).equals("default")) {
                    return done(
                            RespReply.error(
                                    "WRONGPASS invalid username-password pair or user is"
                                            + " disabled."));
                }
                i += 2;
            } else if (option.equals("SETNAME") && i + 1 < command.count()) {
                name = command.text(++i);
            } else {
                return done(RespReply.error("ERR Syntax error in HELLO option '" + option + "'"));
            }
        }
        call.client().protocol = protocol;
        if (name != null) {
            call.client().name = name;
        }
        return done(description(call, protocol));
    }

    private static RespReply description(Call call, int protocol) {
        return RespReply.keyValues()
                .put("server", "redis")
                .put("version", REDIS_VERSION)
                .put("proto", protocol)
                .put("id", call.client().id)
                .put("mode", "standalone")
                .put("role", "master")
                .put("modules", RespReply.array(java.util.List.of()))
                .build();
    }

    /** CLIENT ID, SETNAME, GETNAME, SETINFO. */
    static CompletableFuture<RespReply> client(Call call) {
        RespCommand command = call.command();
        String sub = command.text(1).toUpperCase(Locale.ROOT);
        ClientState client = call.client();
        return done(
                switch (sub) {
                    case "ID" -> arity(command, 2, RespReply.number(client.id));
                    case "GETNAME" ->
                            arity(
                                    command,
                                    2,
                                    client.name.isEmpty()
                                            ? RespReply.NIL
                                            : RespReply.bulk(client.name));
                    case "SETNAME" -> setName(command, client);
                    case "SETINFO" -> setInfo(command, client);
                    default ->
                            RespReply.error(
                                    "ERR unknown subcommand '%s'. Try CLIENT ID, SETNAME, GETNAME or SETINFO."
                                            .formatted(command.text(1)));
                });
    }

    private static RespReply arity(RespCommand command, int count, RespReply reply) {
        return command.count() == count ? reply : wrongArguments(command);
    }

    private static RespReply wrongArguments(RespCommand command) {
        return RespReply.error(
                "ERR wrong number of arguments for 'client|%s' command"
                        .formatted(command.text(1).toLowerCase(Locale.ROOT)));
    }

    private static RespReply setName(RespCommand command, ClientState client) {
        if (command.count() != 3) {
            return wrongArguments(command);
        }
        String name = command.text(2);
        if (!name.chars().allMatch(c -> c > ' ' && c <= '~')) {
            return RespReply.error(
                    "ERR Client names cannot contain spaces, newlines or special characters.");
        }
        client.name = name;
        return RespReply.OK;
    }

    private static RespReply setInfo(RespCommand command, ClientState client) {
        if (command.count() != 4) {
            return wrongArguments(command);
        }
        String value = command.text(3);
        switch (command.text(2).toUpperCase(Locale.ROOT)) {
            case "LIB-NAME" -> client.libraryName = value;
            case "LIB-VER" -> client.libraryVersion = value;
            default -> {
                return RespReply.error("ERR Unrecognized option '" + command.text(2) + "'");
            }
        }
        return RespReply.OK;
    }
}
