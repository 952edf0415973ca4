package io.roomrouter.spop;

import io.netty.handler.codec.DecoderException;
import java.util.Objects;

/**
 * Malformed or unacceptable SPOP input. The message names the bad value and what was expected, for example
 * {@code "frame length: 70000 (expected: <= 16380)"}; {@link #status()} is the code to send in the
 * AGENT-DISCONNECT that ends the connection.
 */
public final class SpopCodecException extends DecoderException {
    private static final long serialVersionUID = 1L;

    private final SpopStatus status;

    public SpopCodecException(SpopStatus status, String message) {
        super(message);
        this.status = Objects.requireNonNull(status, "status");
    }

    public SpopCodecException(SpopStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = Objects.requireNonNull(status, "status");
    }

    public SpopStatus status() {
        return status;
    }
}
