package io.raftkv.shardkv.redis;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.raftkv.common.Check;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A RESP server: accepts Redis clients at one address and runs their commands against a {@link
 * RespBackend}, on one event-loop thread of its own (so the node's Raft loop never waits on a
 * client). See {@link RespConnection} for pipelining and backpressure, {@link CommandTable} for the
 * commands.
 */
public final class RespServer implements AutoCloseable {
    /**
     * @param address where to listen (port 0 picks one)
     * @param tls when present, every connection is TLS with this server context
     * @param clientsMax connections at once; past it a new one is refused with {@code -ERR max
     *     number of clients reached}
     * @param pendingOperationsMax key operations one connection may have under way before it stops
     *     being read
     */
    public record Options(
            InetSocketAddress address,
            Optional<SslContext> tls,
            int clientsMax,
            int pendingOperationsMax,
            RespDecoder.Limits limits) {
        public Options {
            Check.argument(clientsMax >= 1, "at least one client, got %d", clientsMax);
            Check.argument(pendingOperationsMax >= 1, "at least one pending operation");
        }

        /** 1,024 clients, 1,024 operations under way per connection, the default limits. */
        public static Options at(InetSocketAddress address, Optional<SslContext> tls) {
            return new Options(address, tls, 1024, 1024, RespDecoder.Limits.defaults());
        }
    }

    /** The socket's write buffer, past which a connection stops being read. */
    private static final WriteBufferWaterMark WRITE_BUFFER =
            new WriteBufferWaterMark(256 << 10, 1 << 20);

    private final EventLoopGroup loops =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final ServerStats stats;

    private RespServer(Options options, RespBackend backend) throws InterruptedException {
        this.stats = new ServerStats(options.clientsMax(), options.tls().isPresent());
        CommandTable table = CommandTable.standard();
        this.server =
                new ServerBootstrap()
                        .group(loops)
                        .channel(NioServerSocketChannel.class)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WRITE_BUFFER)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel channel) {
                                        options.tls()
                                                .ifPresent(
                                                        tls ->
                                                                channel.pipeline()
                                                                        .addLast(
                                                                                tls.newHandler(
                                                                                        channel
                                                                                                .alloc())));
                                        channel.pipeline()
                                                .addLast(
                                                        new RespConnection(
                                                                table,
                                                                backend,
                                                                stats,
                                                                options.limits(),
                                                                options.pendingOperationsMax()));
                                    }
                                })
                        .bind(options.address())
                        .sync()
                        .channel();
        stats.port = address().getPort();
    }

    /** Listens at {@code options.address()} and serves until closed. */
    public static RespServer start(Options options, RespBackend backend)
            throws InterruptedException {
        return new RespServer(options, backend);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops listening and closes every connection. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
