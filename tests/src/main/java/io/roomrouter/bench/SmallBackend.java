package io.roomrouter.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP game server for benchmarks: a polling request gets {@code 200 ok}; a WebSocket upgrade gets
 * {@code 101} and the connection is then held open, silent, until the player closes it (a seat taken). Every
 * reply names the server in {@code X-Server}. Requests have no body, so a request ends at its blank line.
 */
final class SmallBackend implements AutoCloseable {
    private final String name;
    private final Channel listener;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    private SmallBackend(String name, Channel listener) {
        this.name = name;
        this.listener = listener;
    }

    static SmallBackend start(String name, EventLoopGroup group) throws InterruptedException {
        ByteBuf ok = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nX-Server: " + name
                        + "\r\n\r\nok", StandardCharsets.US_ASCII));
        ByteBuf upgraded = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + Player.WEBSOCKET_ACCEPT + "\r\nX-Server: " + name
                        + "\r\n\r\n", StandardCharsets.US_ASCII));
        ChannelGroup[] group0 = new ChannelGroup[1];
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        group0[0].add(ch);
                        ch.pipeline().addLast(new Requests(ok, upgraded));
                    }
                });
        Channel listener = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync()
                .channel();
        SmallBackend backend = new SmallBackend(name, listener);
        group0[0] = backend.connections;
        return backend;
    }

    String name() {
        return name;
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Open connections now, listener excluded: HAProxy's, and players' WebSockets. */
    int openConnections() {
        return connections.size();
    }

    /** The server fails: it stops listening and drops every connection. */
    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    /** Finds each request's end (CRLF CRLF) and answers it; after a WebSocket upgrade, reads and ignores. */
    private static final class Requests extends ChannelInboundHandlerAdapter {
        private final ByteBuf ok;
        private final ByteBuf upgraded;
        private final StringBuilder head = new StringBuilder();
        private boolean tunnel;

        Requests(ByteBuf ok, ByteBuf upgraded) {
            this.ok = ok;
            this.upgraded = upgraded;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (tunnel) {
                    return;
                }
                head.append(in.toString(StandardCharsets.US_ASCII));
                int end;
                while (!tunnel && (end = head.indexOf("\r\n\r\n")) >= 0) {
                    String request = head.substring(0, end);
                    head.delete(0, end + 4);
                    if (request.regionMatches(true, 0, "GET", 0, 3)
                            && request.toLowerCase(java.util.Locale.ROOT).contains("\nupgrade: websocket")) {
                        tunnel = true;
                        ctx.write(upgraded.duplicate());
                    } else {
                        ctx.write(ok.duplicate());
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
