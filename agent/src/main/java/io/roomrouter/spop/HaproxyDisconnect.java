package io.roomrouter.spop;

import java.util.Objects;

/** HAPROXY-DISCONNECT (type 2). {@code statusCode} is kept raw: HAProxy may send codes this agent does not know. */
public record HaproxyDisconnect(long statusCode, String message) implements SpopFrame {

    public HaproxyDisconnect {
        Objects.requireNonNull(message, "message");
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.HAPROXY_DISCONNECT;
    }
}
