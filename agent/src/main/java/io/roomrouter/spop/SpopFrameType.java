package io.roomrouter.spop;

/** Frame types of SPOP 2.0 ({@code enum spop_frame_type} in HAProxy's {@code spoe-t.h}). */
public enum SpopFrameType {
    HAPROXY_HELLO(1),
    HAPROXY_DISCONNECT(2),
    NOTIFY(3),
    AGENT_HELLO(101),
    AGENT_DISCONNECT(102),
    ACK(103);

    private final int code;

    SpopFrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True for the frames HAProxy sends (and an agent receives). */
    public boolean sentByHaproxy() {
        return code < 100;
    }

    /** The type for a wire code; an unknown code is an invalid frame. */
    public static SpopFrameType valueOf(int code) {
        return switch (code) {
            case 1 -> HAPROXY_HELLO;
            case 2 -> HAPROXY_DISCONNECT;
            case 3 -> NOTIFY;
            case 101 -> AGENT_HELLO;
            case 102 -> AGENT_DISCONNECT;
            case 103 -> ACK;
            default -> throw new SpopCodecException(
                    SpopStatus.INVALID, "frame type: " + code + " (expected: 1, 2, 3, 101, 102 or 103)");
        };
    }
}
