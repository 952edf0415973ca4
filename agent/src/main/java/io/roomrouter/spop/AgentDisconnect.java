package io.roomrouter.spop;

import java.util.Objects;

/** AGENT-DISCONNECT (type 102). HAProxy 2.6 to 3.0 reject a message longer than 255 bytes. */
public record AgentDisconnect(SpopStatus status, String message) implements SpopFrame {

    public AgentDisconnect {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }

    /** A disconnect whose message is the status's own text. */
    public static AgentDisconnect of(SpopStatus status) {
        return new AgentDisconnect(status, status.text());
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.AGENT_DISCONNECT;
    }
}
