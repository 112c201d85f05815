package io.raftkv.shardkv.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.raftkv.shardkv.kv.KvOp;
import io.raftkv.shardkv.kv.KvResult;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The command table over a real state machine: each command's reply as Redis would write it (in
 * RESP2 unless the test switched), and the errors for what raftkv does not do.
 */
class CommandTableTest {
    private final CommandTable table = CommandTable.standard();
    private final ServerStats stats = new ServerStats(10, false);
    private final ClientState client = new ClientState(7);
    private RespBackend backend = new StoreBackend();

    /** Runs one command and returns its reply as the wire shows it. */
    private String run(String... arguments) {
        CompletableFuture<RespReply> reply =
                table.dispatch(new Call(RespCommand.of(arguments), client, backend, stats, table));
        assertThat(reply).as("%s answers without waiting", arguments[0]).isDone();
        ByteBuf out = Unpooled.buffer();
        RespEncoder.write(reply.join(), client.protocol, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void getSetAndTheirVariantsAnswerAsRedisDoes() {
        assertThat(run("GET", "k")).isEqualTo("$-1\r\n");
        assertThat(run("SET", "k", "v")).isEqualTo("+OK\r\n");
        assertThat(run("GET", "k")).isEqualTo("$1\r\nv\r\n");
        assertThat(run("SET", "k", "w", "NX")).isEqualTo("$-1\r\n");
        assertThat(run("SET", "k", "w", "xx", "get")).isEqualTo("$1\r\nv\r\n");
        assertThat(run("SET", "new", "1", "XX")).isEqualTo("$-1\r\n");
        assertThat(run("SET", "new", "1", "NX")).isEqualTo("+OK\r\n");
        assertThat(run("SETNX", "new", "2")).isEqualTo(":0\r\n");
        assertThat(run("SETNX", "other", "2")).isEqualTo(":1\r\n");
        assertThat(run("GETSET", "k", "x")).isEqualTo("$1\r\nw\r\n");
        assertThat(run("GETDEL", "k")).isEqualTo("$1\r\nx\r\n");
        assertThat(run("GETDEL", "k")).isEqualTo("$-1\r\n");
        assertThat(run("APPEND", "k", "abc")).isEqualTo(":3\r\n");
        assertThat(run("APPEND", "k", "de")).isEqualTo(":5\r\n");
        assertThat(run("STRLEN", "k")).isEqualTo(":5\r\n");
        assertThat(run("STRLEN", "none")).isEqualTo(":0\r\n");
    }

    @Test
    void countersAreIntegersAndRefuseWhatIsNot() {
        assertThat(run("INCR", "n")).isEqualTo(":1\r\n");
        assertThat(run("INCRBY", "n", "41")).isEqualTo(":42\r\n");
        assertThat(run("DECR", "n")).isEqualTo(":41\r\n");
        assertThat(run("DECRBY", "n", "50")).isEqualTo(":-9\r\n");
        assertThat(run("INCRBY", "n", "x"))
                .isEqualTo("-ERR value is not an integer or out of range\r\n");
        assertThat(run("DECRBY", "n", "-9223372036854775808"))
                .isEqualTo("-ERR decrement would overflow\r\n");
        run("SET", "s", "text");
        assertThat(run("INCR", "s")).isEqualTo("-ERR value is not an integer or out of range\r\n");
        run("SET", "max", Long.toString(Long.MAX_VALUE));
        assertThat(run("INCR", "max")).isEqualTo("-ERR increment or decrement would overflow\r\n");
    }

    @Test
    void multiKeyCommandsRunEveryKey() {
        assertThat(run("MSET", "a", "1", "b", "2")).isEqualTo("+OK\r\n");
        assertThat(run("MGET", "a", "nope", "b")).isEqualTo("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
        assertThat(run("EXISTS", "a", "a", "nope")).isEqualTo(":2\r\n");
        assertThat(run("DEL", "a", "nope", "b")).isEqualTo(":2\r\n");
        assertThat(run("EXISTS", "a", "b")).isEqualTo(":0\r\n");
        assertThat(run("MSET", "a", "1", "b"))
                .isEqualTo("-ERR wrong number of arguments for 'mset' command\r\n");
    }

    @Test
    void unsupportedOptionsUnknownCommandsAndWrongArityAreRedisErrors() {
        assertThat(run("SET", "k", "v", "EX", "10")).startsWith("-ERR EX, PX");
        assertThat(run("SET", "k", "v", "NX", "XX")).isEqualTo("-ERR syntax error\r\n");
        assertThat(run("SET", "k", "v", "BOGUS")).isEqualTo("-ERR syntax error\r\n");
        assertThat(run("FLUSHALL"))
                .isEqualTo("-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
        assertThat(run("GET")).isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(run("GET", "a", "b"))
                .isEqualTo("-ERR wrong number of arguments for 'get' command\r\n");
        assertThat(run("SELECT", "0")).isEqualTo("+OK\r\n");
        assertThat(run("SELECT", "1")).startsWith("-ERR DB index is out of range");
    }

    @Test
    void outcomesKeepTheirMeaning() {
        backend = failingWith(new KvResult.Unknown("no answer within 10000 ms"));
        assertThat(run("SET", "k", "v"))
                .startsWith("-UNKNOWN the write may or may not have been applied");
        backend = failingWith(new KvResult.Unavailable("no controller answered"));
        assertThat(run("GET", "k"))
                .startsWith("-UNAVAILABLE no controller answered; nothing was applied");
        backend = new StoreBackend();
        String big = "x".repeat(KvOp.VALUE_BYTES_MAX + 1);
        assertThat(run("SET", "k", big)).startsWith("-ERR").endsWith("too large\r\n");
    }

    private static RespBackend failingWith(KvResult result) {
        return new RespBackend() {
            @Override
            public CompletableFuture<KvResult> execute(KvOp op) {
                return CompletableFuture.completedFuture(result);
            }

            @Override
            public NodeSnapshot status() {
                return new StoreBackend().status();
            }
        };
    }

    @Test
    void aPartlyFailedMsetSaysHowManyKeysWereSet() {
        StoreBackend store = new StoreBackend();
        backend =
                new RespBackend() {
                    @Override
                    public CompletableFuture<KvResult> execute(KvOp op) {
                        return new String(op.key(), StandardCharsets.UTF_8).equals("b")
                                ? CompletableFuture.completedFuture(
                                        new KvResult.Unavailable("no group answered"))
                                : store.execute(op);
                    }

                    @Override
                    public NodeSnapshot status() {
                        return store.status();
                    }
                };
        assertThat(run("MSET", "a", "1", "b", "2", "c", "3"))
                .isEqualTo(
                        "-UNAVAILABLE 2 of 3 keys were set (not atomic across keys); the others:"
                                + " no group answered; nothing was applied\r\n");
    }

    @Test
    void connectionCommandsNeedNoStore() {
        assertThat(run("PING")).isEqualTo("+PONG\r\n");
        assertThat(run("PING", "hi")).isEqualTo("$2\r\nhi\r\n");
        assertThat(run("ECHO", "x y")).isEqualTo("$3\r\nx y\r\n");
        assertThat(run("CLIENT", "ID")).isEqualTo(":7\r\n");
        assertThat(run("CLIENT", "GETNAME")).isEqualTo("$-1\r\n");
        assertThat(run("CLIENT", "SETNAME", "me")).isEqualTo("+OK\r\n");
        assertThat(run("CLIENT", "GETNAME")).isEqualTo("$2\r\nme\r\n");
        assertThat(run("CLIENT", "SETINFO", "LIB-NAME", "jedis")).isEqualTo("+OK\r\n");
        assertThat(run("CLIENT", "KILL", "x")).startsWith("-ERR unknown subcommand 'KILL'");
        assertThat(run("QUIT")).isEqualTo("+OK\r\n");
        assertThat(client.quitting).isTrue();
    }

    @Test
    void helloThreeSwitchesToResp3AndDescribesTheServer() {
        assertThat(run("HELLO", "4")).isEqualTo("-NOPROTO unsupported protocol version\r\n");
        String hello = run("HELLO", "3", "SETNAME", "lettuce");
        assertThat(hello)
                .startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
                .contains("$5\r\nproto\r\n:3\r\n");
        assertThat(client.protocol).isEqualTo(3);
        assertThat(client.name).isEqualTo("lettuce");
        assertThat(run("GET", "none")).as("RESP3's null").isEqualTo("_\r\n");
        assertThat(run("HELLO", "2")).startsWith("*14\r\n");
        assertThat(client.protocol).isEqualTo(2);
    }

    @Test
    void commandDescribesTheTableInRedisShapes() {
        assertThat(run("COMMAND", "COUNT")).isEqualTo(":" + table.all().size() + "\r\n");
        assertThat(run("COMMAND", "INFO", "get", "nope"))
                .startsWith("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n")
                .endsWith("$-1\r\n");
        assertThat(run("COMMAND", "DOCS", "set"))
                .startsWith("*2\r\n$3\r\nset\r\n*6\r\n$7\r\nsummary\r\n");
        assertThat(run("COMMAND")).startsWith("*" + table.all().size() + "\r\n");
    }

    @Test
    void infoTellsWhichNodeThisIs() {
        String info = run("INFO");
        assertThat(info)
                .contains(
                        "# Server\r\n",
                        "raftkv_node:n1",
                        "# Clients",
                        "# Replication",
                        "role:master",
                        "# Keyspace");
        assertThat(run("INFO", "clients"))
                .contains("connected_clients:")
                .doesNotContain("# Server");
    }
}
