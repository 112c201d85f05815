package io.raftkv.common.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.PeerIdentity;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node's network endpoint: a server socket for inbound connections (peers and clients) and one
 * outbound connection per peer, all on a single Netty event loop, which is also the loop the node's
 * group host runs on. Inbound frames reach the handler on that loop without a thread hop.
 *
 * <p>Frames are length-prefixed ({@code [u32 length][Kryo bytes]}), the Kryo bytes at most {@link
 * WireCodec#frameBytesMax()}. A frame that is oversized or fails to decode closes that connection,
 * with a logged reason, and nothing else.
 *
 * <p>Handshake: the first frame on every connection is the dialer's {@link Hello}, made from this
 * endpoint's {@link EndpointIdentity}. A listener admits a node only from its own cluster and gives
 * every connection an {@link Origin} that the handler sees with each frame; a connection that sends
 * anything before its hello, a second hello, or a hello from another cluster is closed with one
 * logged line. NB: without TLS a hello is a claim, not a proof: it keeps nodes of different
 * clusters and clients from mixing by mistake, not an attacker out. With TLS (the identity's
 * contexts) a node's hello must match its certificate, and a client is an admin only with a client
 * certificate from the cluster CA. Outbound connections reconnect with bounded exponential backoff.
 * Sends never block: while a peer is unreachable, or its connection is not writable (more than the
 * high-water mark queued), frames to it are dropped and counted.
 *
 * <p>Threading: {@link #send} and the handler run on {@link #loop()}; {@link #start} and {@link
 * #close} may be called from any thread. While a peer's connection is being made, up to {@value
 * #BACKLOG_FRAMES_MAX} frames wait for it; a failed attempt drops them.
 */
public final class NettyEndpoint implements AutoCloseable {
    /** Receives frames, on the endpoint's loop. */
    @FunctionalInterface
    public interface Handler {
        void onFrame(Connection connection, Object frame);
    }

    /** The connection a frame came in on; replies go back on it. */
    public interface Connection {
        /** Sends {@code frame} back; false if dropped (closed or not writable). */
        boolean reply(Object frame);

        String remoteAddress();

        /** Who is at the other end, as the handshake established it. */
        Origin origin();

        /** Closes the connection, logging {@code reason} with its address. */
        void refuse(String reason);
    }

    private static final System.Logger LOG = System.getLogger(NettyEndpoint.class.getName());
    private static final long BACKOFF_MIN_MILLIS = 50;
    private static final long BACKOFF_MAX_MILLIS = 1_000;
    private static final int HIGH_WATER_BYTES = 8 << 20;

    /** Frames held for a peer while its connection is being made; past it the oldest go. */
    private static final int BACKLOG_FRAMES_MAX = 1_024;

    private final WireCodec codec;
    private final Handler handler;
    private final EndpointIdentity identity;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final Map<NodeId, Peer> peers = new HashMap<>();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong framesReceived = new AtomicLong();
    private final AtomicLong connectionsRejected = new AtomicLong();

    /** Every open connection, accepted or made, so that close ends them all. */
    private final ChannelGroup channels;

    private Channel server;
    private volatile boolean closed;

    /** A client's endpoint: its hellos name no node and no cluster. */
    public NettyEndpoint(String name, WireCodec codec, Handler handler) {
        this(name, codec, handler, EndpointIdentity.client());
    }

    /** An endpoint that says it is {@code identity} when it dials, and checks hellos against it. */
    public NettyEndpoint(String name, WireCodec codec, Handler handler, EndpointIdentity identity) {
        this.codec = codec;
        this.handler = handler;
        this.identity = identity;
        this.group =
                new MultiThreadIoEventLoopGroup(
                        1,
                        runnable -> {
                            Thread thread = new Thread(runnable, name);
                            thread.setDaemon(true);
                            return thread;
                        },
                        NioIoHandler.newFactory());
        this.loop = group.next();
        this.channels = new DefaultChannelGroup(name, loop);
    }

    /** The single event loop: run the node's host on it. */
    public EventLoop loop() {
        return loop;
    }

    /** Listens on {@code address} (port 0 picks one); returns the bound address. */
    public InetSocketAddress listen(InetSocketAddress address) throws InterruptedException {
        Check.that(server == null, "already listening");
        server =
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(
                                ChannelOption.WRITE_BUFFER_WATER_MARK,
                                new WriteBufferWaterMark(HIGH_WATER_BYTES / 2, HIGH_WATER_BYTES))
                        .childHandler(pipeline(null, null))
                        .bind(address)
                        .sync()
                        .channel();
        return (InetSocketAddress) server.localAddress();
    }

    /**
     * Registers where {@code peer} listens; the connection is made on first send. On the loop it
     * takes effect at once, so a send right after it goes out.
     */
    public void addPeer(NodeId peer, InetSocketAddress address) {
        Runnable add = () -> peers.computeIfAbsent(peer, id -> new Peer(id, address));
        if (loop.inEventLoop()) {
            add.run();
        } else {
            loop.execute(add);
        }
    }

    /** Sends {@code frame} to {@code peer}; false if dropped. Call on {@link #loop()}. */
    public boolean send(NodeId peer, Object frame) {
        Check.that(loop.inEventLoop(), "send outside the endpoint's loop");
        Peer target = peers.get(peer);
        if (target == null) {
            framesDropped.incrementAndGet();
            return false;
        }
        return target.send(frame);
    }

    public long framesSent() {
        return framesSent.get();
    }

    public long framesDropped() {
        return framesDropped.get();
    }

    public long framesReceived() {
        return framesReceived.get();
    }

    /** One line per peer: where it is and whether it is connected. Call on {@link #loop()}. */
    public String describePeers() {
        return peers.values().toString();
    }

    /** Connections closed because a frame was malformed or too large, or a handshake failed. */
    public long connectionsRejected() {
        return connectionsRejected.get();
    }

    /**
     * Closes the listening socket and every connection, then stops the loop. NB: stopping the loop
     * alone leaves accepted sockets open, and peers would keep writing into them.
     */
    @Override
    public void close() {
        closed = true;
        if (server != null) {
            server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * The pipeline of one connection: {@code called} is the node this endpoint dialed, null for a
     * connection it accepted (whose origin its hello decides).
     */
    private ChannelInitializer<SocketChannel> pipeline(NodeId called, InetSocketAddress address) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                channels.add(channel);
                Optional<SslContext> tls =
                        called == null ? identity.listenTls() : identity.dialTls();
                tls.ifPresent(
                        context ->
                                channel.pipeline()
                                        .addLast(
                                                called == null
                                                        ? context.newHandler(channel.alloc())
                                                        : context.newHandler(
                                                                channel.alloc(),
                                                                address.getHostString(),
                                                                address.getPort())));
                // NB: Netty's limit counts the 4-byte length field too; the encoder's does not.
                int lengthFieldBytes = 4;
                channel.pipeline()
                        .addLast(
                                new LengthFieldBasedFrameDecoder(
                                        codec.frameBytesMax() + lengthFieldBytes,
                                        0,
                                        lengthFieldBytes,
                                        0,
                                        lengthFieldBytes))
                        .addLast(new LengthFieldPrepender(lengthFieldBytes))
                        .addLast(new FrameEncoder())
                        .addLast(
                                new FrameHandler(
                                        channel,
                                        called == null ? null : new Origin.Called(called)));
            }
        };
    }

    private boolean write(Channel channel, Object frame) {
        if (channel == null || !channel.isActive() || !channel.isWritable()) {
            framesDropped.incrementAndGet();
            return false;
        }
        channel.writeAndFlush(frame, channel.voidPromise());
        framesSent.incrementAndGet();
        return true;
    }

    /** Object to bytes; the prepender adds the length. */
    private final class FrameEncoder extends MessageToMessageEncoder<Object> {
        @Override
        protected void encode(ChannelHandlerContext context, Object frame, List<Object> out) {
            out.add(context.alloc().buffer().writeBytes(codec.encode(frame)));
        }
    }

    /**
     * Bytes to object; admits the connection by its hello, then hands frames to the handler; closes
     * the connection on bad input. One per connection, on the loop.
     */
    private final class FrameHandler extends SimpleChannelInboundHandler<ByteBuf>
            implements Connection {
        private final Channel channel;

        /** Null until an accepted connection's hello arrives. */
        private Origin origin;

        /** Set once refused: frames decoded from the same read are dropped. */
        private boolean refused;

        FrameHandler(Channel channel, Origin origin) {
            this.channel = channel;
            this.origin = origin;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, ByteBuf bytes) {
            if (refused) {
                return;
            }
            Object frame = codec.decode(ByteBufUtil.getBytes(bytes));
            framesReceived.incrementAndGet();
            if (origin == null) {
                admit(frame);
            } else if (frame instanceof Hello) {
                refuse("a second hello");
            } else {
                handler.onFrame(this, frame);
            }
        }

        /** Sets the origin from the connection's first frame, or refuses the connection. */
        private void admit(Object frame) {
            if (!(frame instanceof Hello hello)) {
                refuse("expected a hello first, got a " + frame.getClass().getSimpleName());
                return;
            }
            boolean sameCluster = hello.clusterId().equals(identity.clusterId());
            if (hello.node() > 0 && !sameCluster) {
                refuse(
                        "n%d is in cluster '%s', this node in '%s'"
                                .formatted(hello.node(), hello.clusterId(), identity.clusterId()));
            } else if (!hello.clusterId().isEmpty() && !sameCluster) {
                refuse(
                        "a client of cluster '%s' reached cluster '%s'"
                                .formatted(hello.clusterId(), identity.clusterId()));
            } else if (identity.listenTls().isEmpty()) {
                origin =
                        hello.node() > 0
                                ? new Origin.Peer(NodeId.of(hello.node()))
                                : new Origin.Admin();
            } else {
                admitByCertificate(hello);
            }
        }

        /** With TLS on: a node must hold its own certificate; an admin, any from the CA. */
        private void admitByCertificate(Hello hello) {
            PeerIdentity holder = PeerIdentity.of(channel.pipeline().get(SslHandler.class));
            if (hello.node() == 0) {
                origin =
                        holder instanceof PeerIdentity.Anonymous
                                ? new Origin.Client()
                                : new Origin.Admin();
            } else if (holder.equals(new PeerIdentity.Node(NodeId.of(hello.node())))) {
                origin = new Origin.Peer(NodeId.of(hello.node()));
            } else {
                refuse(
                        "it says it is n%d but its certificate is %s"
                                .formatted(hello.node(), holder));
            }
        }

        @Override
        public boolean reply(Object reply) {
            return write(channel, reply);
        }

        @Override
        public String remoteAddress() {
            return String.valueOf(channel.remoteAddress());
        }

        @Override
        public Origin origin() {
            Check.that(origin != null, "no origin before the hello");
            return origin;
        }

        @Override
        public void refuse(String reason) {
            if (refused) {
                return;
            }
            refused = true;
            connectionsRejected.incrementAndGet();
            LOG.log(Level.WARNING, "closing connection {0}: {1}", remoteAddress(), reason);
            channel.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            refuse(String.valueOf(cause.getMessage()));
        }
    }

    /** One outbound connection with reconnect. Loop thread only. */
    private final class Peer {
        private final NodeId id;
        private final InetSocketAddress address;
        private Channel channel;
        private boolean connecting;
        private long backoffMillis = BACKOFF_MIN_MILLIS;
        private final ArrayDeque<Object> backlog = new ArrayDeque<>();

        Peer(NodeId id, InetSocketAddress address) {
            this.id = id;
            this.address = address;
        }

        /** Writes now if connected; else holds the frame (bounded) and connects. */
        boolean send(Object frame) {
            if (channel != null && channel.isActive()) {
                return write(channel, frame);
            }
            if (backlog.size() >= BACKLOG_FRAMES_MAX) {
                backlog.removeFirst();
                framesDropped.incrementAndGet();
            }
            backlog.addLast(frame);
            connect();
            return true;
        }

        private void flushBacklog() {
            while (!backlog.isEmpty()) {
                write(channel, backlog.removeFirst());
            }
        }

        private void connect() {
            if (connecting || closed) {
                return;
            }
            connecting = true;
            new Bootstrap()
                    .group(loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1_000)
                    .option(
                            ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(HIGH_WATER_BYTES / 2, HIGH_WATER_BYTES))
                    .handler(pipeline(id, address))
                    .connect(address)
                    .addListener(
                            future -> {
                                if (future.isSuccess()) {
                                    channel = ((ChannelFuture) future).channel();
                                    channel.writeAndFlush(identity.hello(), channel.voidPromise());
                                    backoffMillis = BACKOFF_MIN_MILLIS;
                                    channel.closeFuture().addListener(closed -> retryLater());
                                    connecting = false;
                                    flushBacklog();
                                } else {
                                    framesDropped.addAndGet(backlog.size());
                                    backlog.clear();
                                    retryLater();
                                }
                            });
        }

        /** Allows the next connect after the backoff, doubling it up to the bound. */
        private void retryLater() {
            long delay = backoffMillis;
            backoffMillis = Math.min(BACKOFF_MAX_MILLIS, backoffMillis * 2);
            if (!closed) {
                loop.schedule(() -> connecting = false, delay, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public String toString() {
            boolean connected = channel != null && channel.isActive();
            return "peer %s at %s%s".formatted(id, address, connected ? " (connected)" : "");
        }
    }
}
