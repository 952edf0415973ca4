package io.roomrouter.spop;

/** Status codes of DISCONNECT frames ({@code enum spop_error} in HAProxy, identical from 2.6 to 3.4). */
public enum SpopStatus {
    NORMAL(0, "normal"),
    IO(1, "I/O error"),
    TIMEOUT(2, "a timeout occurred"),
    TOO_BIG(3, "frame is too big"),
    INVALID(4, "invalid frame received"),
    NO_VERSION(5, "version value not found"),
    NO_FRAME_SIZE(6, "max-frame-size value not found"),
    NO_CAPABILITIES(7, "capabilities value not found"),
    BAD_VERSION(8, "unsupported version"),
    BAD_FRAME_SIZE(9, "max-frame-size too big or too small"),
    NO_FRAGMENTATION(10, "fragmentation not supported"),
    INTERLACED(11, "invalid interlaced frames"),
    FRAME_ID_NOT_FOUND(12, "frame-id not found"),
    RESOURCE(13, "resource allocation error"),
    UNKNOWN(99, "an unknown error occurred");

    private final int code;
    private final String text;

    SpopStatus(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    /** HAProxy's own wording for the code. */
    public String text() {
        return text;
    }

    /** The status for a code; codes HAProxy does not define map to {@link #UNKNOWN}. */
    public static SpopStatus valueOf(long code) {
        for (SpopStatus status : values()) {
            if (status.code == code) {
                return status;
            }
        }
        return UNKNOWN;
    }
}
