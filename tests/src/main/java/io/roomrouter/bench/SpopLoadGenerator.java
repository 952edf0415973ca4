package io.roomrouter.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.IntSupplier;
import io.roomrouter.agent.HaproxySide;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameEncoder;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A SPOP load generator that plays HAProxy's side: it opens {@code connections} connections to an agent, says
 * HAPROXY-HELLO on each, then sends {@code room-join} NOTIFYs with at most {@code pipeline} in flight per
 * connection, as HAProxy does. Either closed loop (saturation: every ACK releases the next NOTIFY) or open loop
 * at a fixed rate, where each NOTIFY has a due time and its latency counts from then (no coordinated omission:
 * a NOTIFY held back because its connection's pipeline is full is late, and that shows).
 *
 * <p>Everything runs on one event loop thread, so the generator takes at most one core from the agent. In open
 * loop that thread polls its sockets about every {@link PollingSelectStrategy#PARK_NANOS} instead of blocking in
 * {@code select}, whose timeout is in whole milliseconds: NOTIFYs go out within about that of their due time.
 */
final class SpopLoadGenerator implements AutoCloseable {
    static final String BACKEND = "be_game";
    private static final int MAX_FRAME_SIZE = HaproxySide.MAX_FRAME_SIZE;
    /** Due times of one connection's streams, by stream-id modulo this; far more than the pipeline. */
    private static final int RING = 256;

    private final PollingSelectStrategy selectStrategy = new PollingSelectStrategy();
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
            NioIoHandler.newFactory(SelectorProvider.provider(), () -> selectStrategy));
    private final EventLoop loop = group.next();
    private final List<Connection> connections = new ArrayList<>();
    private final int pipeline;

    // Mutable state below: event loop only.
    private RoomSource rooms = RoomSource.sequential("unused-");
    private String backend = BACKEND;
    private Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private Histogram fromSend = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private final Map<String, Long> byDecision = new TreeMap<>();
    private boolean closedLoop;
    private boolean running;
    private long measureFrom;
    private long measureTo;
    private long answered;
    private long offered;
    private long issuedOpenLoop;
    private int roundRobin;

    private SpopLoadGenerator(int pipeline) {
        this.pipeline = pipeline;
    }

    /** Connects and finishes the HELLO exchange on every connection. */
    static SpopLoadGenerator connect(InetSocketAddress agent, int connections, int pipeline) throws Exception {
        if (pipeline < 1 || pipeline > RING / 2) {
            throw new IllegalArgumentException("pipeline: " + pipeline + " (expected: 1 to " + RING / 2 + ")");
        }
        SpopLoadGenerator generator = new SpopLoadGenerator(pipeline);
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(generator.loop)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            Connection connection = generator.new Connection();
                            ch.pipeline()
                                    .addLast(SpopFrameDecoder.forHaproxy(MAX_FRAME_SIZE))
                                    .addLast(SpopFrameEncoder.INSTANCE)
                                    .addLast(connection);
                        }
                    });
            for (int i = 0; i < connections; i++) {
                Channel channel = bootstrap.connect(agent).sync().channel();
                Connection connection = (Connection) channel.pipeline().last();
                channel.writeAndFlush(HaproxySide.hello(MAX_FRAME_SIZE, "pipelining,async",
                        UUID.randomUUID().toString()));
                generator.connections.add(connection);
            }
            for (Connection connection : generator.connections) {
                connection.hello.get(10, TimeUnit.SECONDS);
            }
            return generator;
        } catch (Exception e) {
            generator.close();
            throw e;
        }
    }

    /**
     * Sends exactly {@code count} joins from {@code source}, closed loop, and waits for their ACKs: places rooms
     * before a run of sticky joins.
     */
    void preload(RoomSource source, long count) throws Exception {
        preload(BACKEND, source, count);
    }

    /** {@link #preload(RoomSource, long)} on {@code backend}: rooms kept apart from the runs' (for memory). */
    void preload(String preloadBackend, RoomSource source, long count) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            rooms = source;
            backend = preloadBackend;
            long[] left = {count};
            long[] unanswered = {count};
            for (Connection connection : connections) {
                connection.onAck = () -> {
                    if (--unanswered[0] == 0) {
                        done.complete(null);
                    } else if (left[0] > 0) {
                        left[0]--;
                        connection.send(System.nanoTime());
                    }
                };
            }
            for (int i = 0; i < pipeline && left[0] > 0; i++) {
                for (Connection connection : connections) {
                    if (left[0] > 0) {
                        left[0]--;
                        connection.send(System.nanoTime());
                    }
                }
            }
            connections.forEach(Connection::flushIfNeeded);
        });
        done.get(10, TimeUnit.MINUTES);
        loop.submit(() -> {
            backend = BACKEND;
            connections.forEach(c -> c.onAck = () -> { });
        }).get();
    }

    /**
     * Runs {@code source} for {@code warmup} then measures for {@code measure}. {@code ratePerSecond} 0 means
     * saturation (closed loop); otherwise NOTIFYs are due at that rate (open loop).
     */
    LoadResult run(RoomSource source, double ratePerSecond, Duration warmup, Duration measure) throws Exception {
        long warmupNanos = warmup.toNanos();
        long measureNanos = measure.toNanos();
        CompletableFuture<ScheduledFuture<?>> schedule = new CompletableFuture<>();
        loop.submit(() -> {
            rooms = source;
            latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            fromSend = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            byDecision.clear();
            answered = 0;
            offered = 0;
            issuedOpenLoop = 0;
            running = true;
            closedLoop = ratePerSecond <= 0;
            long start = System.nanoTime();
            measureFrom = start + warmupNanos;
            measureTo = measureFrom + measureNanos;
            for (Connection connection : connections) {
                connection.onAck = closedLoop
                        ? () -> {
                            if (running) {
                                connection.send(System.nanoTime());
                            }
                        }
                        : connection::drainBacklog;
            }
            if (closedLoop) {
                for (Connection connection : connections) {
                    for (int i = connection.inFlight; i < pipeline; i++) {
                        connection.send(start);
                    }
                    connection.flushIfNeeded();
                }
                schedule.complete(null);
            } else {
                double nanosPerJoin = 1e9 / ratePerSecond;
                selectStrategy.polling = true;
                schedule.complete(loop.scheduleAtFixedRate(() -> offer(start, nanosPerJoin), 0,
                        PollingSelectStrategy.PARK_NANOS, TimeUnit.NANOSECONDS));
            }
        }).get();
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warmupNanos + measureNanos) + 1);
        ScheduledFuture<?> openLoop = schedule.get();
        return loop.submit(() -> {
            running = false;
            if (openLoop != null) {
                openLoop.cancel(false);
                selectStrategy.polling = false;
            }
            for (Connection connection : connections) {
                connection.backlogSize = 0;
                connection.onAck = () -> { };
            }
            return new LoadResult(answered, measureNanos / 1e9, latency.copy(), fromSend.copy(), Map.copyOf(byDecision),
                    offered);
        }).get();
    }

    /** Open loop: hands out every NOTIFY due by now, round robin, with its due time. */
    private void offer(long start, double nanosPerJoin) {
        if (!running) {
            return;
        }
        long now = System.nanoTime();
        long due = (long) ((now - start) / nanosPerJoin);
        while (issuedOpenLoop < due) {
            long dueAt = start + (long) (issuedOpenLoop * nanosPerJoin);
            issuedOpenLoop++;
            Connection connection = connections.get(roundRobin++ % connections.size());
            connection.enqueue(dueAt);
        }
        for (Connection connection : connections) {
            connection.drainBacklog();
            connection.flushIfNeeded();
        }
    }

    private void record(long dueAt, long sentAt, Ack ack) {
        long now = System.nanoTime();
        if (now < measureFrom || now >= measureTo) {
            return;
        }
        answered++;
        latency.recordValue(Math.min(now - dueAt, latency.getHighestTrackableValue()));
        fromSend.recordValue(Math.min(now - sentAt, fromSend.getHighestTrackableValue()));
        byDecision.merge(HaproxySide.variable(ack, "decision").orElse("none"), 1L, Long::sum);
    }

    @Override
    public void close() {
        for (Connection connection : connections) {
            connection.channel().close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One SPOP connection: its streams in flight, and the NOTIFYs due but held back by a full pipeline. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final CompletableFuture<AgentHello> hello = new CompletableFuture<>();
        final long[] dueAtByStream = new long[RING];
        final long[] sentAtByStream = new long[RING];
        long[] backlog = new long[1024];
        int backlogHead;
        int backlogSize;
        long nextStreamId;
        int inFlight;
        boolean unflushed;
        Runnable onAck = () -> { };
        private ChannelHandlerContext ctx;

        Channel channel() {
            return ctx.channel();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            this.ctx = context;
        }

        void send(long dueAt) {
            long streamId = nextStreamId++;
            dueAtByStream[(int) (streamId % RING)] = dueAt;
            sentAtByStream[(int) (streamId % RING)] = System.nanoTime();
            inFlight++;
            if (running && dueAt >= measureFrom && dueAt < measureTo) {
                offered++;
            }
            ctx.write(HaproxySide.roomJoin(streamId, backend, rooms.next(), "p" + (streamId & 0xffff)),
                    ctx.voidPromise());
            unflushed = true;
        }

        void enqueue(long dueAt) {
            if (backlogSize == backlog.length) {
                long[] bigger = new long[backlog.length * 2];
                for (int i = 0; i < backlogSize; i++) {
                    bigger[i] = backlog[(backlogHead + i) % backlog.length];
                }
                backlog = bigger;
                backlogHead = 0;
            }
            backlog[(backlogHead + backlogSize) % backlog.length] = dueAt;
            backlogSize++;
        }

        void drainBacklog() {
            while (inFlight < pipeline && backlogSize > 0) {
                long dueAt = backlog[backlogHead];
                backlogHead = (backlogHead + 1) % backlog.length;
                backlogSize--;
                send(dueAt);
            }
        }

        void flushIfNeeded() {
            if (unflushed) {
                unflushed = false;
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (msg instanceof Ack ack) {
                inFlight--;
                int slot = (int) (ack.streamId() % RING);
                record(dueAtByStream[slot], sentAtByStream[slot], ack);
                onAck.run();
            } else if (msg instanceof AgentHello agentHello) {
                hello.complete(agentHello);
            } else {
                hello.completeExceptionally(new IllegalStateException("agent sent " + msg));
                context.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            flushIfNeeded();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            hello.completeExceptionally(cause);
            context.close();
        }
    }

    /**
     * While {@link #polling}, the loop never blocks in {@code select}: it parks for {@link #PARK_NANOS} and then
     * polls, which also runs the open-loop schedule on time. A NIO selector sleeps in whole milliseconds, so with
     * the default strategy a 50 us schedule fired only about once a millisecond whenever the agent had answered
     * everything, and held the NOTIFYs due meanwhile back by up to that much, which then counted as the agent's
     * latency (HAProxy sends each NOTIFY as its request comes). A ticker thread waking the loop instead costs two
     * wake-ups per tick on cores the agent needs, and its tick could land in the next run.
     */
    private static final class PollingSelectStrategy implements SelectStrategy {
        static final long PARK_NANOS = 50_000;
        // Set and read on the event loop only.
        boolean polling;

        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            if (hasTasks) {
                return selectNow.get();
            }
            if (!polling) {
                return SelectStrategy.SELECT;
            }
            LockSupport.parkNanos(PARK_NANOS);
            return selectNow.get();
        }
    }
}
