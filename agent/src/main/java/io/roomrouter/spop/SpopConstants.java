package io.roomrouter.spop;

/** Wire constants of SPOP 2.0 shared by the decoder and the encoder (spop-protocol.md §1). */
final class SpopConstants {

    /** LENGTH, a u32 in network order, counts every byte after itself. */
    static final int LENGTH_FIELD_BYTES = 4;

    /** TYPE (1) + FLAGS (4) + the two shortest varints (1 + 1): HAProxy 2.6 to 3.0 reject anything shorter. */
    static final int MIN_FRAME_LENGTH = 7;

    /** FLAGS bit 0. Every frame HAProxy accepts or sends since 3.1 has it, and the agent never fragments. */
    static final int FLAG_FIN = 0x00000001;

    /** HAProxy 2.6 to 3.0 reject a DISCONNECT message longer than this many bytes. */
    static final int MAX_DISCONNECT_MESSAGE_BYTES = 255;

    /** NB-ARGS is a u8. */
    static final int MAX_ARGS = 255;

    // HAPROXY-HELLO keys
    static final String KEY_SUPPORTED_VERSIONS = "supported-versions";
    static final String KEY_ENGINE_ID = "engine-id";
    static final String KEY_HEALTHCHECK = "healthcheck";

    // AGENT-HELLO keys
    static final String KEY_VERSION = "version";

    // keys of both HELLOs
    static final String KEY_MAX_FRAME_SIZE = "max-frame-size";
    static final String KEY_CAPABILITIES = "capabilities";

    // keys of both DISCONNECTs
    static final String KEY_STATUS_CODE = "status-code";
    static final String KEY_MESSAGE = "message";

    // ACK actions: type byte and NB-ARGS
    static final int ACTION_SET_VAR = 1;
    static final int SET_VAR_ARGS = 3;
    static final int ACTION_UNSET_VAR = 2;
    static final int UNSET_VAR_ARGS = 2;

    private SpopConstants() {}
}
