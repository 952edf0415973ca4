package io.roomrouter.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HAProxy's side of one SPOP connection, for what plays HAProxy against a real agent socket: the warm-up (on the
 * agent's own event loops, before HAProxy is served) and the agent's tests. Frames go out through
 * {@link SpopFrameEncoder}; what the agent sends comes back through HAProxy's decoder into a bounded queue that the
 * caller's thread reads, so that the event loop never waits for a reader.
 *
 * <p>The benchmarks' load generator shares the frames ({@link HaproxySide}) but not this class: it keeps many
 * pipelined connections busy from one event loop and sends each NOTIFY at a set instant, with no thread between
 * the socket and its clock.
 */
final class SpopClient implements AutoCloseable {
    /** Frames received and not read yet: far more than a warm-up wave or a test has in flight. */
    static final int UNREAD_LIMIT = 1024;
    /** How often a reader waiting for a frame looks whether the connection closed meanwhile. */
    private static final long CLOSE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Channel channel;
    private final Receiver receiver;

    private SpopClient(Channel channel, Receiver receiver) {
        this.channel = channel;
        this.receiver = receiver;
    }

    /** Connects to {@code agent} on {@code group} within {@code timeout}; frames up to {@code maxFrameSize} come back. */
    static SpopClient connect(EventLoopGroup group, InetSocketAddress agent, int maxFrameSize, Duration timeout)
            throws IOException {
        Receiver receiver = new Receiver();
        ChannelFuture connected = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(SpopFrameDecoder.forHaproxy(maxFrameSize))
                                .addLast(SpopFrameEncoder.INSTANCE)
                                .addLast(receiver);
                    }
                })
                .connect(agent);
        connected.awaitUninterruptibly();
        if (!connected.isSuccess()) {
            connected.channel().close();
            throw new IOException("SPOP connection to " + agent + ": " + connected.cause(), connected.cause());
        }
        return new SpopClient(connected.channel(), receiver);
    }

    /** Connects with the frame size HAProxy 2.6 offers, as the tests do. */
    static SpopClient connect(EventLoopGroup group, InetSocketAddress agent) throws IOException {
        return connect(group, agent, HaproxySide.MAX_FRAME_SIZE, Duration.ofSeconds(5));
    }

    /** Connects and completes the HELLO handshake as HAProxy 2.6 does. */
    static SpopClient ready(EventLoopGroup group, InetSocketAddress agent) throws IOException, InterruptedException {
        SpopClient client = connect(group, agent);
        try {
            client.send(HaproxySide.hello(HaproxySide.MAX_FRAME_SIZE, "pipelining,async", "engine-1"));
            SpopFrame reply = client.next();
            if (!(reply instanceof AgentHello)) {
                throw new IOException("reply to HAPROXY-HELLO: " + reply + " (expected: AGENT-HELLO)");
            }
            return client;
        } catch (IOException | InterruptedException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Sends {@code frame} and waits until it is written. */
    void send(SpopFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    /** Sends raw bytes, for junk and hand-made frames. */
    void sendRaw(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Queues {@code frame} for the next {@link #flush()}: several frames then go out in one write, as HAProxy's do. */
    void sendWithoutFlush(SpopFrame frame) {
        channel.write(frame);
    }

    void flush() {
        channel.flush();
    }

    /**
     * The next frame from the agent, within {@code timeout}; empty when none came by then, or when the connection
     * closed with every frame read (then {@link #isOpen()} is false).
     */
    Optional<SpopFrame> poll(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            long remaining = deadline - System.nanoTime();
            SpopFrame frame = receiver.received.poll(Math.max(0, Math.min(remaining, CLOSE_CHECK_NANOS)),
                    TimeUnit.NANOSECONDS);
            if (frame != null) {
                return Optional.of(frame);
            }
            if (remaining <= 0 || (!channel.isActive() && receiver.received.isEmpty())) {
                return Optional.empty();
            }
        }
    }

    SpopFrame next() throws InterruptedException {
        return next(Duration.ofSeconds(5));
    }

    /** As {@link #poll(Duration)}, for a frame that must come: none is an error. */
    SpopFrame next(Duration timeout) throws InterruptedException {
        return poll(timeout).orElseThrow(() -> new IllegalStateException("no frame within " + timeout
                + (isOpen() ? "" : "; the connection closed") + error().map(e -> "; error: " + e).orElse("")));
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** The first error on the connection (a frame the decoder refused, a reset...); empty when none. */
    Optional<Throwable> error() {
        return Optional.ofNullable(receiver.error.get());
    }

    boolean awaitClosed(Duration timeout) {
        return channel.closeFuture().awaitUninterruptibly(timeout.toMillis());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** Hands each decoded frame to the reader; the first error closes the connection. */
    private static final class Receiver extends SimpleChannelInboundHandler<SpopFrame> {
        final BlockingQueue<SpopFrame> received = new LinkedBlockingQueue<>(UNREAD_LIMIT);
        final AtomicReference<Throwable> error = new AtomicReference<>();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, SpopFrame frame) {
            if (!received.offer(frame)) {
                exceptionCaught(ctx, new IllegalStateException(
                        "more than " + UNREAD_LIMIT + " frames received and not read"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error.compareAndSet(null, cause);
            ctx.close();
        }
    }
}
