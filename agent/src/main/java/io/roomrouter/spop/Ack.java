package io.roomrouter.spop;

import java.util.List;

/** ACK (type 103): answers the NOTIFY with the same stream-id and frame-id. */
public record Ack(long streamId, long frameId, List<SpopAction> actions) implements SpopFrame {

    public Ack {
        actions = List.copyOf(actions);
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.ACK;
    }
}
