package io.roomrouter.agent;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server that accepts HAProxy's SPOP connections: a connection cap, decoder, encoder, idle clock, and
 * one session per connection.
 */
final class SpopServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpopServer.class);
    /**
     * Past 64 KiB of ACKs the peer has not taken, a connection stops reading until they drop under 32 KiB (see
     * {@link SpopSession}): HAProxy reads its ACKs at once, so only a peer that does not read gets there.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    /**
     * What one listener allows a connection: frames up to {@code maxFrameSize}, {@code helloTimeout} from accept
     * to HAPROXY-HELLO, {@code idleTimeout} with nothing read, written or pending, and {@code maxConnections}
     * open at once.
     */
    record Limits(int maxFrameSize, Duration helloTimeout, Duration idleTimeout, int maxConnections) {
        Limits {
            Objects.requireNonNull(helloTimeout, "helloTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (helloTimeout.isNegative() || helloTimeout.isZero()) {
                throw new IllegalArgumentException("helloTimeout: " + helloTimeout + " (expected: > 0)");
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
            }
        }
    }

    /** How long a stop waits for open connections to answer their pending joins and close. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean ownsWorkers;
    private final Channel channel;
    private final Initializer initializer;

    private SpopServer(EventLoopGroup boss, EventLoopGroup workers, boolean ownsWorkers, Channel channel,
            Initializer initializer) {
        this.boss = boss;
        this.workers = workers;
        this.ownsWorkers = ownsWorkers;
        this.channel = channel;
        this.initializer = initializer;
    }

    /** The event loops that serve SPOP connections: one per core by default ({@code --io-threads}). */
    static EventLoopGroup newWorkers(int ioThreads) {
        return new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
    }

    /** Binds {@code listen} and serves on {@code ioThreads} event loops of its own until closed. */
    static SpopServer start(HostAndPort listen, Limits limits, int ioThreads, RoomJoinHandler joins)
            throws InterruptedException {
        EventLoopGroup workers = newWorkers(ioThreads);
        try {
            return start(listen, limits, workers, true, joins, SpopMetrics.NONE);
        } catch (InterruptedException | RuntimeException e) {
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Binds {@code listen} and serves on {@code workers} until closed; the caller owns {@code workers} (the agent
     * shares them with the Redis store's I/O) and shuts them down after {@link #close}.
     */
    static SpopServer start(HostAndPort listen, Limits limits, EventLoopGroup workers, RoomJoinHandler joins)
            throws InterruptedException {
        return start(listen, limits, workers, false, joins, SpopMetrics.NONE);
    }

    /** As above, counting connections, frames and disconnects in {@code metrics}. */
    static SpopServer start(HostAndPort listen, Limits limits, EventLoopGroup workers, RoomJoinHandler joins,
            SpopMetrics metrics) throws InterruptedException {
        return start(listen, limits, workers, false, joins, metrics);
    }

    private static SpopServer start(HostAndPort listen, Limits limits, EventLoopGroup workers, boolean ownsWorkers,
            RoomJoinHandler joins, SpopMetrics metrics) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Initializer initializer = new Initializer(limits, joins, metrics);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(initializer);
            Channel channel = bootstrap.bind(listen.toSocketAddress()).sync().channel();
            return new SpopServer(boss, workers, ownsWorkers, channel, initializer);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * A graceful stop's first phase (see {@link SpopDrain}): health checks are refused, every join is still
     * answered, until HAProxy stops sending joins or {@code limit} has passed.
     */
    SpopDrain.Result drain(Duration limit) throws InterruptedException {
        return initializer.drain.await(limit);
    }

    /** How many SPOP connections are open. */
    int openConnections() {
        return initializer.open.size();
    }

    /**
     * Stops accepting connections, then ends each open one with AGENT-DISCONNECT once its pending joins are
     * answered (at most {@link #CLOSE_WAIT}), then stops the I/O threads.
     */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        initializer.open.forEach(open -> open.pipeline().fireUserEventTriggered(SpopSession.STOP));
        if (!initializer.open.newCloseFuture().awaitUninterruptibly(CLOSE_WAIT.toMillis())) {
            log.warn("{} SPOP connections still open {} ms after the stop began: closed with their joins unanswered",
                    initializer.open.size(), CLOSE_WAIT.toMillis());
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (ownsWorkers) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Builds the pipeline of each accepted connection; the tests build theirs with it too. */
    static final class Initializer extends ChannelInitializer<Channel> {
        private final Limits limits;
        private final RoomJoinHandler joins;
        private final SpopConnectionLimit connections;
        private final SpopMetrics metrics;
        private final SpopDrain drain = new SpopDrain();
        // Every open connection, so that a stop can end each one; a closed channel leaves the group by itself.
        private final ChannelGroup open = new DefaultChannelGroup("spop", GlobalEventExecutor.INSTANCE);

        Initializer(Limits limits, RoomJoinHandler joins) {
            this(limits, joins, SpopMetrics.NONE);
        }

        Initializer(Limits limits, RoomJoinHandler joins, SpopMetrics metrics) {
            this.limits = Objects.requireNonNull(limits, "limits");
            this.joins = Objects.requireNonNull(joins, "joins");
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            this.connections = new SpopConnectionLimit(limits.maxConnections(), metrics);
        }

        /** Tells the sessions whether the agent is stopping; one for every connection of the listener. */
        SpopDrain drain() {
            return drain;
        }

        @Override
        protected void initChannel(Channel ch) {
            open.add(ch);
            ch.config().setWriteBufferWaterMark(WATER_MARK);
            SpopFrameDecoder decoder = SpopFrameDecoder.forAgent(limits.maxFrameSize());
            ch.pipeline()
                    .addLast("connections", connections)
                    .addLast("decoder", decoder)
                    .addLast("encoder", SpopFrameEncoder.INSTANCE)
                    // After the decoder, so that only whole frames count as reads: bytes trickled into a frame
                    // that never completes do not keep a connection alive.
                    .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
                    .addLast("session",
                            new SpopSession(decoder, joins, limits.maxFrameSize(), limits.helloTimeout(), drain,
                                    metrics));
        }
    }
}
