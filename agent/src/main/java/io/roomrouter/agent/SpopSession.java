package io.roomrouter.agent;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.HaproxyDisconnect;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopCodecException;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopFrameType;
import io.roomrouter.spop.SpopStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SPOP connection from HAProxy, as a state machine: it waits for HAPROXY-HELLO, answers AGENT-HELLO (and
 * closes after a health check's), then answers each NOTIFY with an ACK as its decision completes, in any order
 * (pipelining), until either side disconnects. A protocol error ends only this connection, with an
 * AGENT-DISCONNECT that names the problem.
 *
 * <p>Every NOTIFY gets exactly one ACK while the connection is open, whatever fails while deciding it (see
 * {@link RoomJoinHandler}): only protocol errors, the in-flight cap and the timeouts below end the connection.
 * ACKs decided while a read is being processed are written without a flush and flushed once when the read
 * completes; ACKs completed later (by Redis) are flushed at once. Each ACK is one frame and one write.
 *
 * <p>A connection defends the agent against a peer that is not HAProxy, or a HAProxy gone wrong: HAPROXY-HELLO
 * must come within the hello timeout of the connection opening (a deadline, so trickled bytes do not extend it);
 * a ready connection with nothing read, written or pending for the idle timeout is closed (the
 * {@link io.netty.handler.timeout.IdleStateHandler} before this handler says when); and reading stops while the
 * peer does not take its ACKs (the channel is not writable) or while {@link #PAUSE_READS_AT} joins are pending,
 * so that neither the ACKs buffered nor the joins pending can grow without bound.
 */
final class SpopSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SpopSession.class);
    static final String VERSION = "2.0";
    static final int MIN_FRAME_SIZE = 256;
    /**
     * Joins pending at which reading stops, until one is answered. HAProxy keeps at most 20 NOTIFYs in flight per
     * connection, so it never gets here; a peer that does is slowed down to the pace of its answers rather than
     * disconnected, so that a burst (a slow store, a HAProxy configured otherwise) is served, not dropped.
     */
    static final int PAUSE_READS_AT = 256;
    /**
     * Joins pending at which the connection is closed with RESOURCE. Reading stops at {@link #PAUSE_READS_AT},
     * but the frames of the read under way are still decoded (up to a read buffer of them): this caps those.
     */
    static final int MAX_IN_FLIGHT = 1024;
    // One each for all connections: a failure that hits every join, or a flood of connections, hits every
    // connection alike, and one line per interval says so.
    private static final LogThrottle unansweredJoins = new LogThrottle();
    private static final LogThrottle rejections = new LogThrottle();
    private static final LogThrottle disconnects = new LogThrottle();

    private enum State {
        AWAIT_HELLO,
        READY,
        CLOSING
    }

    private final SpopFrameDecoder decoder;
    private final RoomJoinHandler joins;
    private final int maxFrameSize;
    private final Duration helloTimeout;
    private final SpopDrain drain;
    private final SpopMetrics metrics;
    private State state = State.AWAIT_HELLO;
    private int inFlight;
    private boolean reading;
    private boolean flushPending;
    private Future<?> helloDeadline;
    // The agent is stopping: the connection ends once its pending joins are answered.
    private boolean stopping;
    // Counted open: a connection refused by SpopConnectionLimit never gets here, but still goes inactive.
    private boolean counted;

    SpopSession(SpopFrameDecoder decoder, RoomJoinHandler joins, int maxFrameSize, Duration helloTimeout) {
        this(decoder, joins, maxFrameSize, helloTimeout, new SpopDrain());
    }

    SpopSession(SpopFrameDecoder decoder, RoomJoinHandler joins, int maxFrameSize, Duration helloTimeout,
            SpopDrain drain) {
        this(decoder, joins, maxFrameSize, helloTimeout, drain, SpopMetrics.NONE);
    }

    SpopSession(SpopFrameDecoder decoder, RoomJoinHandler joins, int maxFrameSize, Duration helloTimeout,
            SpopDrain drain, SpopMetrics metrics) {
        this.metrics = metrics;
        this.decoder = decoder;
        this.joins = joins;
        this.maxFrameSize = maxFrameSize;
        this.helloTimeout = helloTimeout;
        this.drain = drain;
    }

    /**
     * The user event that ends a connection when the agent stops: AGENT-DISCONNECT (normal) as soon as no join is
     * pending on it, so every join HAProxy sent before is answered.
     */
    static final Object STOP = new Object() {
        @Override
        public String toString() {
            return "SpopSession.STOP";
        }
    };

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        counted = true;
        metrics.opened();
        helloDeadline = ctx.executor().schedule(() -> {
            if (state == State.AWAIT_HELLO) {
                timeout(ctx, "HAPROXY-HELLO: none within " + DurationFlag.format(helloTimeout)
                        + " of connecting (expected: within --hello-timeout)");
            }
        }, helloTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (counted) {
            counted = false;
            metrics.closed();
        }
        stopHelloClock();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == STOP) {
            stopping = true;
            closeIfStopped(ctx);
            return;
        }
        // ALL_IDLE: no frame read and no write completed for the idle timeout. A pending join means HAProxy still
        // waits for an answer: never closed then (the next idle event asks again).
        if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
            if (state == State.READY && inFlight == 0) {
                log.debug("SPOP connection from {} idle: closed", ctx.channel().remoteAddress());
                close(ctx, new AgentDisconnect(SpopStatus.TIMEOUT,
                        "idle connection: no frame read and no join pending for --idle-timeout"));
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        SpopFrame frame = (SpopFrame) msg;
        metrics.frame(frame.type());
        if (state == State.CLOSING) {
            return; // the connection is being closed: whatever else HAProxy sent is moot
        }
        if (frame instanceof Notify notify) {
            onNotify(ctx, notify);
        } else if (frame instanceof HaproxyHello hello) {
            onHello(ctx, hello);
        } else if (frame instanceof HaproxyDisconnect disconnect) {
            onDisconnect(ctx, disconnect);
        } else {
            fail(ctx, SpopStatus.INVALID, "frame type: " + frame.type().code() + " (expected: 1, 2 or 3)");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void onHello(ChannelHandlerContext ctx, HaproxyHello hello) {
        if (state != State.AWAIT_HELLO) {
            fail(ctx, SpopStatus.INVALID, "HAPROXY-HELLO: a second one (expected: NOTIFY or HAPROXY-DISCONNECT)");
            return;
        }
        if (!supports(hello.supportedVersions())) {
            fail(ctx, SpopStatus.BAD_VERSION, "supported-versions: '" + PeerText.escape(hello.supportedVersions())
                    + "' (expected: to include " + VERSION + ")");
            return;
        }
        if (hello.maxFrameSize() < MIN_FRAME_SIZE) {
            fail(ctx, SpopStatus.BAD_FRAME_SIZE,
                    "max-frame-size: " + hello.maxFrameSize() + " (expected: >= " + MIN_FRAME_SIZE + ")");
            return;
        }
        int negotiated = (int) Math.min(hello.maxFrameSize(), maxFrameSize);
        decoder.maxFrameSize(negotiated);
        // Pipelining is announced whatever HAProxy said: HAProxy uses it only when both sides announce it.
        AgentHello reply = new AgentHello(VERSION, negotiated, "pipelining");
        stopHelloClock();
        if (hello.healthcheck() && drain.draining()) {
            // HAProxy counts the check failed and, after "fall" of them, the agent DOWN: it then stops sending joins.
            drain.checkRefused();
            close(ctx, new AgentDisconnect(SpopStatus.NORMAL, "agent stopping"));
            return;
        }
        if (hello.healthcheck()) {
            state = State.CLOSING;
            metrics.frame(SpopFrameType.AGENT_HELLO);
            ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.READY;
        log.debug("SPOP connection from {} ready: max-frame-size={} engine-id={}",
                ctx.channel().remoteAddress(), negotiated, hello.engineId().map(PeerText::escape).orElse("-"));
        metrics.frame(SpopFrameType.AGENT_HELLO);
        ctx.write(reply);
        flushPending = true;
    }

    private void onNotify(ChannelHandlerContext ctx, Notify notify) {
        if (state != State.READY) {
            fail(ctx, SpopStatus.INVALID, "NOTIFY before HELLO (expected: HAPROXY-HELLO first)");
            return;
        }
        if (++inFlight > MAX_IN_FLIGHT) {
            fail(ctx, SpopStatus.RESOURCE,
                    "NOTIFY frames in flight: " + inFlight + " (expected: <= " + MAX_IN_FLIGHT + ")");
            return;
        }
        drain.joinArrived();
        updateReading(ctx);
        int frameSize = decoder.maxFrameSize(); // negotiated at HAPROXY-HELLO; read here, on the event loop
        joins.handle(notify).whenComplete((answer, failure) -> {
            // Fitted where it is answered: the handler orders the actions, the session knows the frame size.
            Ack ack = answer == null ? null : answer.fittedTo(frameSize, RoomJoinHandler.ACTIONS_KEPT);
            if (ctx.executor().inEventLoop()) {
                writeAck(ctx, notify, ack, failure);
            } else {
                ctx.executor().execute(() -> writeAck(ctx, notify, ack, failure));
            }
        });
    }

    private void writeAck(ChannelHandlerContext ctx, Notify notify, Ack ack, Throwable failure) {
        inFlight--;
        if (state == State.CLOSING) {
            return;
        }
        updateReading(ctx);
        Ack answer = failure == null ? ack : unanswerable(ctx, notify, failure);
        metrics.frame(SpopFrameType.ACK);
        if (reading) {
            ctx.write(answer, ctx.voidPromise());
            flushPending = true;
        } else {
            ctx.writeAndFlush(answer, ctx.voidPromise());
        }
        closeIfStopped(ctx);
    }

    // The DISCONNECT follows the last ACK in the same flush, so no ACK is lost to the close.
    private void closeIfStopped(ChannelHandlerContext ctx) {
        if (stopping && inFlight == 0 && state != State.CLOSING) {
            close(ctx, new AgentDisconnect(SpopStatus.NORMAL, "agent stopping"));
        }
    }

    // Only an Error gets here: the handler answers every exception itself. Unanswered, the stream would wait out
    // HAProxy's processing timeout; answered like the handler's own failures, HAProxy balances it at once.
    private static Ack unanswerable(ChannelHandlerContext ctx, Notify notify, Throwable failure) {
        long heldBack = unansweredJoins.pass();
        if (heldBack >= 0) {
            log.error("SPOP connection from {}: stream-id {} frame-id {} answered '{}' ({} more since the last such"
                    + " line)", ctx.channel().remoteAddress(), notify.streamId(), notify.frameId(),
                    RoomJoinHandler.INTERNAL_ERROR, heldBack, failure);
        }
        return RoomJoinHandler.internalErrorAck(notify);
    }

    private void onDisconnect(ChannelHandlerContext ctx, HaproxyDisconnect disconnect) {
        metrics.haproxyDisconnected(disconnect.statusCode());
        if (disconnect.statusCode() != SpopStatus.NORMAL.code()) {
            long heldBack = disconnects.pass();
            if (heldBack >= 0) {
                log.info("HAProxy disconnected {}: status {} '{}' ({} more since the last such line)",
                        ctx.channel().remoteAddress(), disconnect.statusCode(), PeerText.escape(disconnect.message()),
                        heldBack);
            }
        }
        close(ctx, AgentDisconnect.of(SpopStatus.NORMAL));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SpopCodecException e) {
            fail(ctx, e.status(), e.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("SPOP connection from {} lost: {}", ctx.channel().remoteAddress(), cause.toString());
            state = State.CLOSING;
            ctx.close();
        } else {
            log.error("SPOP connection from {}: unexpected error", ctx.channel().remoteAddress(), cause);
            fail(ctx, SpopStatus.UNKNOWN, "internal error: " + cause.getClass().getSimpleName());
        }
    }

    private void fail(ChannelHandlerContext ctx, SpopStatus status, String message) {
        if (state == State.CLOSING) {
            return;
        }
        long heldBack = rejections.pass();
        if (heldBack >= 0) {
            log.warn("rejected SPOP input from {}: {} (disconnect status {} {}; {} more rejected since the last such"
                    + " line)", ctx.channel().remoteAddress(), message, status.code(), status.text(), heldBack);
        }
        close(ctx, new AgentDisconnect(status, message));
    }

    private void timeout(ChannelHandlerContext ctx, String message) {
        long heldBack = rejections.pass();
        if (heldBack >= 0) {
            log.warn("SPOP connection from {} timed out: {} ({} more rejected since the last such line)",
                    ctx.channel().remoteAddress(), message, heldBack);
        }
        close(ctx, new AgentDisconnect(SpopStatus.TIMEOUT, message));
    }

    private void close(ChannelHandlerContext ctx, AgentDisconnect disconnect) {
        state = State.CLOSING;
        metrics.frame(SpopFrameType.AGENT_DISCONNECT);
        metrics.agentDisconnected(disconnect.status());
        stopHelloClock();
        ctx.writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
    }

    private void stopHelloClock() {
        if (helloDeadline != null) {
            helloDeadline.cancel(false);
            helloDeadline = null;
        }
    }

    // Reads go on only while the peer takes its ACKs and few joins are pending: a peer that sends without reading
    // then fills its own socket buffers, not the agent's heap.
    private void updateReading(ChannelHandlerContext ctx) {
        ChannelConfig config = ctx.channel().config();
        boolean read = ctx.channel().isWritable() && inFlight < PAUSE_READS_AT;
        if (config.isAutoRead() != read) {
            config.setAutoRead(read);
        }
    }

    private static boolean supports(String versions) {
        for (String version : versions.split(",", -1)) {
            if (version.trim().equals(VERSION)) {
                return true;
            }
        }
        return false;
    }
}
