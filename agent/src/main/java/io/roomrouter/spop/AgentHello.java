package io.roomrouter.spop;

import java.util.Objects;

/** AGENT-HELLO (type 101): always carries all three keys, as HAProxy 3.1+'s spop-check requires. */
public record AgentHello(String version, long maxFrameSize, String capabilities) implements SpopFrame {

    public AgentHello {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(capabilities, "capabilities");
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.AGENT_HELLO;
    }
}
