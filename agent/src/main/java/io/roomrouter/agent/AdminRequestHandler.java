package io.roomrouter.agent;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One admin connection: reads one request, bounded in size and time, hands it to {@link AdminRoutes}, writes the
 * answer and closes. The whole request must arrive within the time-out from the connection's start, so that a client
 * trickling bytes (slowloris) is closed with 408 as surely as a silent one. One per connection, on its event loop.
 */
final class AdminRequestHandler extends ChannelInboundHandlerAdapter {
    private final AdminServer.Limits limits;
    private final AdminRoutes routes;

    private ScheduledFuture<?> deadline;
    private HttpRequest request;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** A request has been answered or is being handled: anything more is dropped. */
    private boolean answered;
    private boolean responded;

    AdminRequestHandler(AdminServer.Limits limits, AdminRoutes routes) {
        this.limits = limits;
        this.routes = routes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        deadline = ctx.executor().schedule(() -> {
            if (!answered) {
                respond(ctx, AdminRoutes.Response.of(408, "request not received whole within "
                        + limits.requestTimeout().toMillis() + " ms"));
            }
        }, limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!answered && msg instanceof HttpObject object) {
                read(ctx, object);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void read(ChannelHandlerContext ctx, HttpObject object) {
        DecoderResult result = object.decoderResult();
        if (result.isFailure()) {
            respond(ctx, malformed(result.cause()));
            return;
        }
        if (object instanceof HttpRequest head) {
            request = head;
            long length = HttpUtil.getContentLength(head, -1L);
            if (length > limits.maxBody()) {
                respond(ctx, tooLarge(length + " bytes"));
                return;
            }
        }
        if (object instanceof HttpContent content) {
            ByteBuf chunk = content.content();
            if (body.size() + chunk.readableBytes() > limits.maxBody()) {
                respond(ctx, tooLarge("more than " + limits.maxBody() + " bytes"));
                return;
            }
            byte[] bytes = new byte[chunk.readableBytes()];
            chunk.readBytes(bytes);
            body.write(bytes, 0, bytes.length);
        }
        if (object instanceof LastHttpContent && request != null) {
            dispatch(ctx);
        }
    }

    private void dispatch(ChannelHandlerContext ctx) {
        answered = true;
        cancelDeadline();
        byte[] bytes = body.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            if ((bytes[i] < 0x20 && bytes[i] != '\r' && bytes[i] != '\n') || bytes[i] < 0) {
                respond(ctx, AdminRoutes.Response.of(400, "body has byte 0x"
                        + String.format("%02x", bytes[i] & 0xff) + " at offset " + i
                        + " (expected: form-urlencoded ASCII)"));
                return;
            }
        }
        AdminRoutes.Request read = new AdminRoutes.Request(request.method().name(), request.uri(),
                request.headers().get(HttpHeaderNames.AUTHORIZATION),
                request.headers().get(HttpHeaderNames.CONTENT_TYPE),
                new String(bytes, StandardCharsets.US_ASCII));
        routes.handle(read).whenComplete((response, error) -> respond(ctx, error == null ? response
                : AdminRoutes.Response.of(500, "internal error: " + error.getClass().getSimpleName())));
    }

    private AdminRoutes.Response tooLarge(String what) {
        return AdminRoutes.Response.of(413, "body of " + what + " (expected: at most " + limits.maxBody()
                + " bytes)");
    }

    private AdminRoutes.Response malformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return AdminRoutes.Response.of(414, "request line longer than " + limits.maxInitialLine() + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return AdminRoutes.Response.of(431, "headers longer than " + limits.maxHeaders() + " bytes");
        }
        if (cause instanceof TooLongFrameException) {
            return AdminRoutes.Response.of(413, "request too large: " + FormDecoder.shorten(
                    String.valueOf(cause.getMessage())));
        }
        return AdminRoutes.Response.of(400, "malformed HTTP request: "
                + FormDecoder.shorten(String.valueOf(cause.getMessage())));
    }

    /** Writes {@code response} once, from any thread, and closes the connection. */
    private void respond(ChannelHandlerContext ctx, AdminRoutes.Response response) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> respond(ctx, response));
            return;
        }
        if (responded || !ctx.channel().isActive()) {
            return;
        }
        responded = true;
        answered = true;
        cancelDeadline();
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(bytes));
        http.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (response.allow() != null) {
            http.headers().set(HttpHeaderNames.ALLOW, response.allow());
        }
        ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
