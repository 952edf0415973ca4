package io.roomrouter.kit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A small game server that tells each player where it landed: a WebSocket player gets the text frame
 * {@code {"server":"game1","room":"r1","player":"p1"}} right after the upgrade, and a plain HTTP GET (the polling
 * transport of Socket.IO-style clients) gets the same JSON as its body plus an {@code X-Game-Server} header.
 */
public final class GameServer implements AutoCloseable {

    /** The response header naming the server that answered a polling request. */
    public static final String SERVER_HEADER = "X-Game-Server";

    private final String name;
    /** The event loops this server owns and stops with it; empty when they are shared, as benchmarks share them. */
    private final Optional<EventLoopGroup> ownGroup;
    private final Channel channel;
    /** Players' connections: closing the listener alone would leave them open on shared event loops. */
    private final ChannelGroup connections;

    private GameServer(String name, Optional<EventLoopGroup> ownGroup, Channel channel, ChannelGroup connections) {
        this.name = name;
        this.ownGroup = ownGroup;
        this.channel = channel;
        this.connections = connections;
    }

    /** Starts a server called {@code name} on {@code listen} (port 0 picks a free port), on an event loop of its own. */
    public static GameServer start(String name, InetSocketAddress listen) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            return start(name, listen, group, Optional.of(group));
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * As {@link #start(String, InetSocketAddress)}, on {@code shared} event loops that the caller stops: several
     * servers on one thread take less of a small machine's cores from the processes a benchmark measures.
     */
    public static GameServer start(String name, InetSocketAddress listen, EventLoopGroup shared)
            throws InterruptedException {
        return start(name, listen, shared, Optional.empty());
    }

    /** As {@link #start(String, InetSocketAddress, EventLoopGroup)}, on a free loopback port. */
    public static GameServer start(String name, EventLoopGroup shared) throws InterruptedException {
        return start(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), shared);
    }

    private static GameServer start(String name, InetSocketAddress listen, EventLoopGroup group,
            Optional<EventLoopGroup> ownGroup) throws InterruptedException {
        Objects.requireNonNull(name, "name");
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        Channel channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                // Bursts of joins (benchmarks open thousands of seats) and replies sent as soon as written.
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(
                                new HttpServerCodec(),
                                new HttpObjectAggregator(65_536),
                                new PlayerHandler(name));
                    }
                })
                .bind(listen)
                .sync()
                .channel();
        return new GameServer(name, ownGroup, channel, connections);
    }

    public String name() {
        return name;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The server fails: it stops listening and drops every player's connection. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        ownGroup.ifPresent(group -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
    }

    @Override
    public String toString() {
        return name + "@" + HostPort.format(address());
    }

    /** {@code --name game1 --listen 127.0.0.1:9001}; runs until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        String name = "game1";
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9001);
        List<String> argList = List.of(args);
        for (int i = 0; i < argList.size(); i++) {
            String arg = argList.get(i);
            if (arg.equals("--name") && i + 1 < argList.size()) {
                name = argList.get(++i);
            } else if (arg.equals("--listen") && i + 1 < argList.size()) {
                listen = HostPort.parse(argList.get(++i));
            } else {
                System.err.println("usage: GameServer [--name game1] [--listen 127.0.0.1:9001]");
                System.err.println("unknown argument: " + arg);
                System.exit(2);
            }
        }
        GameServer server = start(name, listen);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.err.println("game server " + server + " listening");
        stopped.await();
    }

    /** Welcomes one player, over WebSocket or plain HTTP. */
    private static final class PlayerHandler extends SimpleChannelInboundHandler<Object> {
        private final String serverName;
        private WebSocketServerHandshaker handshaker;

        PlayerHandler(String serverName) {
            this.serverName = serverName;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest request) {
                handleHttp(ctx, request);
            } else if (msg instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            }
            // Players' own text frames are not part of this demo: ignored.
        }

        private void handleHttp(ChannelHandlerContext ctx, FullHttpRequest request) {
            String welcome = welcome(new QueryStringDecoder(request.uri()));
            if (request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
                handshaker = new WebSocketServerHandshakerFactory(
                        "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), null, true)
                        .newHandshaker(request);
                if (handshaker == null) {
                    WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                    return;
                }
                Channel channel = ctx.channel();
                handshaker.handshake(channel, request).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        channel.writeAndFlush(new TextWebSocketFrame(welcome));
                    } else {
                        channel.close();
                    }
                });
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(
                    request.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(welcome, StandardCharsets.UTF_8));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(SERVER_HEADER, serverName);
            HttpUtil.setContentLength(response, response.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private String welcome(QueryStringDecoder query) {
            return "{\"server\":" + jsonString(serverName)
                    + ",\"room\":" + jsonString(first(query, "room"))
                    + ",\"player\":" + jsonString(first(query, "player")) + "}";
        }

        private static String first(QueryStringDecoder query, String name) {
            List<String> values = query.parameters().get(name);
            return values == null || values.isEmpty() ? "" : values.get(0);
        }

        private static String jsonString(String value) {
            StringBuilder out = new StringBuilder(value.length() + 2).append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20) {
                    out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            return out.append('"').toString();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A player that vanishes mid-frame is normal for a game server: drop the connection.
            ctx.close();
        }
    }
}
