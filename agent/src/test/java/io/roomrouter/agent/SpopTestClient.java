package io.roomrouter.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Plays HAProxy's side of one SPOP connection over a real socket, for tests of the running agent. */
final class SpopTestClient implements AutoCloseable {
    private final Channel channel;
    private final BlockingQueue<SpopFrame> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

    private SpopTestClient(EventLoopGroup group, InetSocketAddress agent) throws InterruptedException {
        this.channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(SpopFrameDecoder.forHaproxy(16380))
                                .addLast(SpopFrameEncoder.INSTANCE)
                                .addLast(new SimpleChannelInboundHandler<SpopFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, SpopFrame frame) {
                                        received.add(frame);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        errors.add(cause);
                                        ctx.close();
                                    }
                                });
                    }
                })
                .connect(agent)
                .sync()
                .channel();
    }

    static SpopTestClient connect(EventLoopGroup group, InetSocketAddress agent) throws InterruptedException {
        return new SpopTestClient(group, agent);
    }

    /** Connects and completes the HELLO handshake as HAProxy 2.6 does. */
    static SpopTestClient ready(EventLoopGroup group, InetSocketAddress agent) throws InterruptedException {
        SpopTestClient client = connect(group, agent);
        client.send(new HaproxyHello("2.0", 16380, "pipelining,async", false, Optional.of("engine-1")));
        SpopFrame reply = client.next();
        if (!(reply instanceof AgentHello)) {
            throw new AssertionError("expected AGENT-HELLO, got " + reply);
        }
        return client;
    }

    void send(SpopFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    /** Sends raw bytes, for junk and hand-made frames. */
    void sendRaw(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        channel.writeAndFlush(buf).syncUninterruptibly();
    }

    void sendWithoutFlush(SpopFrame frame) {
        channel.write(frame);
    }

    void flush() {
        channel.flush();
    }

    SpopFrame next() throws InterruptedException {
        return next(Duration.ofSeconds(5));
    }

    SpopFrame next(Duration timeout) throws InterruptedException {
        SpopFrame frame = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within " + timeout + "; errors: " + errors);
        }
        return frame;
    }

    boolean awaitClosed(Duration timeout) {
        return channel.closeFuture().awaitUninterruptibly(timeout.toMillis());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
