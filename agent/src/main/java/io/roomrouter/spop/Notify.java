package io.roomrouter.spop;

import java.util.List;

/**
 * NOTIFY (type 3). The stream-id and frame-id are copied unchanged into the ACK; 0 is a valid stream-id
 * (HAProxy 2.6 to 3.0 use the stream's unique id, which starts at 0). A NOTIFY may hold no message at all.
 */
public record Notify(long streamId, long frameId, List<SpopMessage> messages) implements SpopFrame {

    public Notify {
        messages = List.copyOf(messages);
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.NOTIFY;
    }
}
