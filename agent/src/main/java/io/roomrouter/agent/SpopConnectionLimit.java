package io.roomrouter.agent;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.SpopFrameType;
import io.roomrouter.spop.SpopStatus;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections one SPOP listener holds open. Past the cap a new connection is answered AGENT-DISCONNECT
 * RESOURCE and closed before anything of it is read, so that a flood of connections cannot take the file
 * descriptors HAProxy's own connections, the runtime API and Redis need. A connection frees its place when it
 * closes, however it closes. One instance is shared by every connection of a listener.
 */
@Sharable
final class SpopConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SpopConnectionLimit.class);

    private final int max;
    private final SpopMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private final LogThrottle refusals = new LogThrottle();

    SpopConnectionLimit(int max) {
        this(max, SpopMetrics.NONE);
    }

    /** As above, counting each refusal's AGENT-DISCONNECT in {@code metrics}. */
    SpopConnectionLimit(int max, SpopMetrics metrics) {
        this.metrics = metrics;
        if (max < 1) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
        }
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        int count = open.incrementAndGet();
        ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
        if (count <= max) {
            ctx.pipeline().remove(this); // nothing more to do for this connection
            ctx.fireChannelActive();
            return;
        }
        // Not passed on: the session never starts. Autoread off before the pipeline's head asks for the first read.
        ctx.channel().config().setAutoRead(false);
        long heldBack = refusals.pass();
        if (heldBack >= 0) {
            log.warn("SPOP connection from {} refused: {} connections open (expected: <= {}, --max-connections);"
                    + " {} more refused since the last such line", ctx.channel().remoteAddress(), count, max, heldBack);
        }
        metrics.frame(SpopFrameType.AGENT_DISCONNECT);
        metrics.agentDisconnected(SpopStatus.RESOURCE);
        // From the tail, through the encoder.
        ctx.channel().writeAndFlush(new AgentDisconnect(SpopStatus.RESOURCE,
                "connections: " + count + " (expected: <= " + max + ")")).addListener(ChannelFutureListener.CLOSE);
    }

    /** Connections open now, refused ones included until they are closed. */
    int open() {
        return open.get();
    }
}
