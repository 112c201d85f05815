package io.raftkv.shardkv.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.raftkv.shardkv.server.NodeSnapshot;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A node's HTTP endpoint, on a thread of its own: {@code /metrics} (Prometheus text), {@code
 * /status} (JSON) and {@code /} (an HTML page with the shard map and the node's replicas). GET
 * only; anything else is 404 or 405.
 */
public final class HttpStatusServer implements AutoCloseable {
    private static final int REQUEST_BYTES_MAX = 8 << 10;

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Supplier<NodeSnapshot> snapshots;
    private final NodeMetrics metrics;
    private final Channel server;

    private HttpStatusServer(InetSocketAddress address, Supplier<NodeSnapshot> snapshots)
            throws InterruptedException {
        this.snapshots = snapshots;
        this.metrics = new NodeMetrics(snapshots);
        this.server =
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel channel) {
                                        channel.pipeline()
                                                .addLast(new HttpServerCodec())
                                                .addLast(
                                                        new HttpObjectAggregator(REQUEST_BYTES_MAX))
                                                .addLast(new Handler());
                                    }
                                })
                        .bind(address)
                        .sync()
                        .channel();
    }

    /** Serves {@code snapshots} at {@code address} (port 0 picks one). */
    public static HttpStatusServer start(
            InetSocketAddress address, Supplier<NodeSnapshot> snapshots)
            throws InterruptedException {
        return new HttpStatusServer(address, snapshots);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
            FullHttpResponse response;
            String path = request.uri().split("\\?", 2)[0];
            if (!request.method().equals(HttpMethod.GET)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
            } else {
                response =
                        switch (path) {
                            case "/metrics" ->
                                    text(
                                            HttpResponseStatus.OK,
                                            "text/plain; version=0.0.4; charset=utf-8",
                                            metrics.scrape());
                            case "/status" ->
                                    text(
                                            HttpResponseStatus.OK,
                                            "application/json",
                                            StatusJson.of(snapshots.get()));
                            case "/" ->
                                    text(
                                            HttpResponseStatus.OK,
                                            "text/html; charset=utf-8",
                                            StatusPage.of(snapshots.get()));
                            default ->
                                    text(HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n");
                        };
            }
            context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            context.close();
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        // One request per connection: say so, or a client may reuse a connection being closed.
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
