package io.roomrouter.agent;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.store.RoomStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP endpoint for operators and game servers, off the SPOP path (its own event loop thread):
 * {@code GET /health/live}, {@code GET /health/ready} ({@code /health} is the same), {@code GET /metrics}
 * (Prometheus), {@code POST /release?backend=B&room=R}, which ends a room when its match is over and gives its seats
 * back, and the room API and status page of {@link AdminRoomApi}.
 *
 * <p>Fit for a network: request line, headers and body are bounded ({@link Limits}); each connection carries one
 * request, which must arrive whole within {@link Limits#requestTimeout}, then is closed; connections are capped. A
 * slow client holds a socket for a few seconds at most and never a thread: nothing here blocks.
 */
final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** The endpoint's fixed bounds: an admin endpoint serves a few probes and game servers, not players. */
    record Limits(int maxInitialLine, int maxHeaders, int maxBody, Duration requestTimeout, int maxConnections) {
        static final Limits DEFAULT = new Limits(4096, 8192, 4096, Duration.ofSeconds(5), 64);
    }

    private final Channel channel;
    private final EventLoopGroup group;

    private AdminServer(Channel channel, EventLoopGroup group) {
        this.channel = channel;
        this.group = group;
    }

    static AdminServer start(HostAndPort listen, AdminAccess access, RoomStore store, ServerInventory inventory,
            StickTable table, RecentDecisions recent, AgentMetrics metrics) throws InterruptedException {
        Limits limits = Limits.DEFAULT;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, runnable -> {
            Thread thread = new Thread(runnable, "room-router-admin");
            thread.setDaemon(true);
            return thread;
        }, NioIoHandler.newFactory());
        // The room API writes its documents on this endpoint's own event loop, never on a store's thread.
        AdminRoomApi rooms = new AdminRoomApi(store, inventory, new RoomRelease(store, table), recent,
                System::currentTimeMillis, group);
        AdminRoutes routes = new AdminRoutes(access, store, inventory, table, rooms, metrics);
        ConnectionCap cap = new ConnectionCap(limits.maxConnections());
        HttpDecoderConfig decoding = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLine())
                .setMaxHeaderSize(limits.maxHeaders());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 64)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(cap, new HttpServerCodec(decoding),
                                    new AdminRequestHandler(limits, routes));
                        }
                    })
                    .bind(listen.toSocketAddress())
                    .sync()
                    .channel();
            boolean loopback = listen.toSocketAddress().getAddress().isLoopbackAddress();
            // The bound address, so that a port 0 logs the port the system chose.
            String bound = formatted((InetSocketAddress) channel.localAddress());
            if (!loopback) {
                log.warn("admin endpoint on {}, not loopback: anything that reaches it can read health{}", bound,
                        access.token().isPresent() ? "; release needs the bearer token of " + AdminToken.FLAG
                                : " and, without " + AdminToken.FLAG + ", release is refused (403)");
            }
            log.info("admin endpoint on http://{}/ (status page; GET /health/live, GET /health/ready or /health,"
                    + " GET /metrics, GET /rooms/B/R, GET /rooms?backend=B, GET /servers?backend=B, GET /status.json,"
                    + " DELETE /rooms/B/R or POST /release?backend=B&room=R{})", bound,
                    access.token().isPresent() ? " with a bearer token" : loopback ? ", loopback callers only" : "");
            return new AdminServer(channel, group);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static String formatted(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Closes connections past the cap at once, so that many idle sockets cannot exhaust file descriptors. */
    @ChannelHandler.Sharable
    static final class ConnectionCap extends ChannelInboundHandlerAdapter {
        private final int max;
        private final AtomicInteger open = new AtomicInteger();

        ConnectionCap(int max) {
            this.max = max;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            if (open.incrementAndGet() > max) {
                log.debug("admin connection from {} refused: {} open (max {})", ctx.channel().remoteAddress(),
                        open.get() - 1, max);
                ctx.close();
                return;
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.decrementAndGet();
            super.channelInactive(ctx);
        }
    }
}
