package io.raftkv.shardkv.redis;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftkv.common.Check;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: decodes its commands, runs them, and writes their replies <em>in the order
 * the commands came</em>, though their operations complete in any order (pipelining).
 *
 * <p>A connection's operations on one key run in the order it sent them ({@link
 * KeyOrderedBackend}); operations on different keys run at once.
 *
 * <p>Backpressure: the connection stops decoding and reading while its commands have {@code
 * pendingOperationsMax} or more key operations under way, or while the socket does not take more
 * output (Netty's write-buffer high-water mark); it goes on once they drop. So its memory is
 * bounded by the decoder's limits, the commands in flight and the write buffer, whatever the client
 * sends.
 *
 * <p>A protocol error is answered with {@code -ERR Protocol error: ...} after the replies of the
 * commands before it, and the connection closed; so is {@code QUIT}, with {@code +OK}. Owned by the
 * channel's event loop: every method runs there, operations' completions are brought back to it.
 */
final class RespConnection extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RespConnection.class.getName());

    /** A command's place in the reply order, and its reply once it has one. */
    private static final class Slot {
        final int operations;
        RespReply reply;
        int protocol;
        boolean closeAfter;

        Slot(int operations) {
            this.operations = operations;
        }
    }

    private final CommandTable table;
    private final RespBackend backend;
    private final ServerStats stats;
    private final RespDecoder decoder;
    private final int pendingOperationsMax;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private ChannelHandlerContext context;
    private ClientState client;
    private ByteBuf buffered;

    /** Key operations of the commands whose replies are not written yet. */
    private int pendingOperations;

    /** A QUIT or a protocol error was read: nothing after it is decoded. */
    private boolean closing;

    private boolean closed;
    private boolean pumping;

    RespConnection(
            CommandTable table,
            RespBackend backend,
            ServerStats stats,
            RespDecoder.Limits limits,
            int pendingOperationsMax) {
        this.table = table;
        this.backend = new KeyOrderedBackend(backend);
        this.stats = stats;
        this.decoder = new RespDecoder(limits);
        this.pendingOperationsMax = pendingOperationsMax;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        this.context = context;
        this.buffered = context.alloc().buffer();
        this.client = new ClientState(stats.lastClientId.incrementAndGet());
        stats.connectionsReceived.incrementAndGet();
        if (stats.connectedClients.incrementAndGet() > stats.clientsMax) {
            stats.connectionsRejected.incrementAndGet();
            closing = true;
            Slot refusal = new Slot(0);
            refusal.reply = RespReply.error("ERR max number of clients reached");
            refusal.protocol = 2;
            refusal.closeAfter = true;
            slots.add(refusal);
            pump();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        ByteBuf bytes = (ByteBuf) message;
        try {
            if (!closing) {
                buffered.writeBytes(bytes);
            }
        } finally {
            bytes.release();
        }
        pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        pump();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        closed = true;
        stats.connectedClients.decrementAndGet();
        buffered.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.log(
                Level.DEBUG,
                "RESP connection from {0} failed: {1}",
                context.channel().remoteAddress(),
                cause.toString());
        context.close();
    }

    /**
     * The one place that moves the connection on: decodes and runs commands while it may, writes
     * the replies that are ready at the head of the order, and reads on only while under its
     * bounds.
     */
    private void pump() {
        if (pumping || closed) {
            return; // NB: a command that completes at once, inside decodeSome, is written below
        }
        pumping = true;
        try {
            boolean wrote = false;
            boolean progress = true;
            while (progress && !closed) {
                boolean decoded = decodeSome();
                boolean written = writeReady();
                wrote |= written;
                progress = decoded || written;
            }
            if (wrote && !closed) {
                context.flush();
            }
            if (!closed) {
                buffered.discardSomeReadBytes();
                context.channel().config().setAutoRead(mayDecode());
            }
        } finally {
            pumping = false;
        }
    }

    private boolean mayDecode() {
        return !closing
                && pendingOperations < pendingOperationsMax
                && context.channel().isWritable();
    }

    /** Decodes and runs commands while under the bounds; whether it ran any. */
    private boolean decodeSome() {
        boolean any = false;
        while (mayDecode()) {
            RespCommand command;
            try {
                command = decoder.next(buffered);
            } catch (RespProtocolException bad) {
                LOG.log(
                        Level.INFO,
                        "closing the RESP connection from {0}: protocol error: {1}",
                        context.channel().remoteAddress(),
                        bad.getMessage());
                closing = true;
                Slot error = new Slot(0);
                error.reply = RespReply.error("ERR Protocol error: " + bad.getMessage());
                error.protocol = client.protocol;
                error.closeAfter = true;
                slots.add(error);
                return true;
            }
            if (command == null) {
                return any;
            }
            run(command);
            any = true;
        }
        return any;
    }

    private void run(RespCommand command) {
        stats.commandsProcessed.incrementAndGet();
        Slot slot = new Slot(Math.max(1, command.count() - 1));
        slots.add(slot);
        pendingOperations += slot.operations;
        CompletableFuture<RespReply> reply =
                table.dispatch(new Call(command, client, backend, stats, table));
        slot.protocol = client.protocol; // NB: after HELLO has run, so its reply is in its protocol
        if (client.quitting) {
            closing = true;
            slot.closeAfter = true;
        }
        if (reply.isDone()) {
            slot.reply = reply.join();
        } else {
            reply.whenComplete(
                    (done, failure) ->
                            context.executor().execute(() -> complete(slot, done, failure)));
        }
    }

    private void complete(Slot slot, RespReply reply, Throwable failure) {
        if (failure != null) {
            LOG.log(Level.ERROR, "a RESP command failed", failure);
            reply = RespReply.error("ERR internal error: " + failure);
        }
        slot.reply = reply;
        pump();
    }

    /** Writes the replies ready at the head of the order; whether it wrote any. */
    private boolean writeReady() {
        if (slots.isEmpty() || slots.peek().reply == null) {
            return false;
        }
        ByteBuf out = context.alloc().ioBuffer();
        boolean closeAfter = false;
        while (!slots.isEmpty() && slots.peek().reply != null && !closeAfter) {
            Slot slot = slots.poll();
            RespEncoder.write(slot.reply, slot.protocol, out);
            pendingOperations -= slot.operations;
            closeAfter = slot.closeAfter;
        }
        Check.that(pendingOperations >= 0, "negative pending operations %d", pendingOperations);
        if (closeAfter) {
            closed = true;
            context.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            context.write(out);
        }
        return true;
    }
}
