package io.roomrouter.agent;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.AgentHello;
import io.roomrouter.spop.HaproxyDisconnect;
import io.roomrouter.spop.HaproxyHello;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopCodecException;
import io.roomrouter.spop.SpopFrame;
import io.roomrouter.spop.SpopFrameDecoder;
import io.roomrouter.spop.SpopStatus;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SPOP connection from HAProxy, as a state machine: it waits for HAPROXY-HELLO, answers AGENT-HELLO (and
 * closes after a health check's), then answers each NOTIFY with an ACK as its decision completes, in any order
 * (pipelining), until either side disconnects. A protocol error ends only this connection, with an
 * AGENT-DISCONNECT that names the problem.
 *
 * <p>Every NOTIFY gets exactly one ACK while the connection is open, whatever fails while deciding it (see
 * {@link RoomJoinHandler}): only protocol errors and the in-flight cap end the connection. ACKs decided while a
 * read is being processed are written without a flush and flushed once when the read completes; ACKs completed
 * later (by Redis) are flushed at once. Each ACK is one frame and one write.
 */
final class SpopSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SpopSession.class);
    static final String VERSION = "2.0";
    static final int MIN_FRAME_SIZE = 256;
    /** HAProxy keeps at most 20 NOTIFYs in flight per connection; far more means something is wrong. */
    static final int MAX_IN_FLIGHT = 1024;
    // One for all connections: a failure that hits every join hits every connection alike.
    private static final LogThrottle unansweredJoins = new LogThrottle();

    private enum State {
        AWAIT_HELLO,
        READY,
        CLOSING
    }

    private final SpopFrameDecoder decoder;
    private final RoomJoinHandler joins;
    private final int maxFrameSize;
    private State state = State.AWAIT_HELLO;
    private int inFlight;
    private boolean reading;
    private boolean flushPending;

    SpopSession(SpopFrameDecoder decoder, RoomJoinHandler joins, int maxFrameSize) {
        this.decoder = decoder;
        this.joins = joins;
        this.maxFrameSize = maxFrameSize;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        SpopFrame frame = (SpopFrame) msg;
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
            fail(ctx, SpopStatus.BAD_VERSION,
                    "supported-versions: '" + hello.supportedVersions() + "' (expected: to include " + VERSION + ")");
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
        if (hello.healthcheck()) {
            state = State.CLOSING;
            ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        state = State.READY;
        log.debug("SPOP connection from {} ready: max-frame-size={} engine-id={}",
                ctx.channel().remoteAddress(), negotiated, hello.engineId().orElse("-"));
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
        joins.handle(notify, decoder.maxFrameSize()).whenComplete((ack, failure) -> {
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
        Ack answer = failure == null ? ack : unanswerable(ctx, notify, failure);
        if (reading) {
            ctx.write(answer, ctx.voidPromise());
            flushPending = true;
        } else {
            ctx.writeAndFlush(answer, ctx.voidPromise());
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
        if (disconnect.statusCode() != SpopStatus.NORMAL.code()) {
            log.info("HAProxy disconnected {}: status {} {}",
                    ctx.channel().remoteAddress(), disconnect.statusCode(), disconnect.message());
        }
        state = State.CLOSING;
        ctx.writeAndFlush(AgentDisconnect.of(SpopStatus.NORMAL)).addListener(ChannelFutureListener.CLOSE);
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
        state = State.CLOSING;
        log.warn("rejected SPOP input from {}: {} (disconnect status {} {})",
                ctx.channel().remoteAddress(), message, status.code(), status.text());
        ctx.writeAndFlush(new AgentDisconnect(status, message)).addListener(ChannelFutureListener.CLOSE);
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
