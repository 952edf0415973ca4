package io.roomrouter.agent;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The Netty server that accepts HAProxy's SPOP connections: a connection cap, decoder, encoder, idle clock, and
 * one session per connection.
 */
final class SpopServer implements AutoCloseable {
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

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean ownsWorkers;
    private final Channel channel;

    private SpopServer(EventLoopGroup boss, EventLoopGroup workers, boolean ownsWorkers, Channel channel) {
        this.boss = boss;
        this.workers = workers;
        this.ownsWorkers = ownsWorkers;
        this.channel = channel;
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
            return start(listen, limits, workers, true, joins);
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
        return start(listen, limits, workers, false, joins);
    }

    private static SpopServer start(HostAndPort listen, Limits limits, EventLoopGroup workers, boolean ownsWorkers,
            RoomJoinHandler joins) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new Initializer(limits, joins));
            Channel channel = bootstrap.bind(listen.toSocketAddress()).sync().channel();
            return new SpopServer(boss, workers, ownsWorkers, channel);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
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

        Initializer(Limits limits, RoomJoinHandler joins) {
            this.limits = Objects.requireNonNull(limits, "limits");
            this.joins = Objects.requireNonNull(joins, "joins");
            this.connections = new SpopConnectionLimit(limits.maxConnections());
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.config().setWriteBufferWaterMark(WATER_MARK);
            SpopFrameDecoder decoder = SpopFrameDecoder.forAgent(limits.maxFrameSize());
            ch.pipeline()
                    .addLast("connections", connections)
                    .addLast("decoder", decoder)
                    .addLast("encoder", SpopFrameEncoder.INSTANCE)
                    // After the decoder, so that only whole frames count as reads: bytes trickled into a frame
                    // that never completes do not keep a connection alive.
                    .addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
                    .addLast("session", new SpopSession(decoder, joins, limits.maxFrameSize(), limits.helloTimeout()));
        }
    }
}
