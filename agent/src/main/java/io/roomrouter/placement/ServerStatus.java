package io.roomrouter.placement;

import java.util.Objects;

/**
 * One server as the inventory last saw it: {@code capacity} is its {@code maxconn} (or the configured default)
 * and {@code liveConnections} what HAProxy counts on it now.
 */
public record ServerStatus(String name, ServerState state, int capacity, int liveConnections) {

    public ServerStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 0)");
        }
        if (liveConnections < 0) {
            throw new IllegalArgumentException("liveConnections: " + liveConnections + " (expected: >= 0)");
        }
    }
}
