package io.roomrouter.spop;

import java.util.Objects;
import java.util.Optional;

/**
 * HAPROXY-HELLO (type 1). {@code supportedVersions} and {@code capabilities} are the raw comma-separated
 * strings; {@code engineId} is absent on health checks.
 */
public record HaproxyHello(
        String supportedVersions, long maxFrameSize, String capabilities, boolean healthcheck, Optional<String> engineId)
        implements SpopFrame {

    public HaproxyHello {
        Objects.requireNonNull(supportedVersions, "supportedVersions");
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(engineId, "engineId");
    }

    @Override
    public SpopFrameType type() {
        return SpopFrameType.HAPROXY_HELLO;
    }

    /** True when {@code capabilities} lists {@code name}; spaces around names are ignored, as HAProxy does. */
    public boolean hasCapability(String name) {
        for (String capability : capabilities.split(",", -1)) {
            if (capability.trim().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
