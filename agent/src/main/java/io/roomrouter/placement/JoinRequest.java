package io.roomrouter.placement;

import java.util.Objects;
import java.util.Optional;

/**
 * A validated request to join a room: the ids have passed {@link Identifiers}, and {@code size} is the room's
 * capacity in players (the default when the client did not say).
 */
public record JoinRequest(String room, String backend, int size, Optional<String> player) {

    public JoinRequest {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(player, "player");
        if (size < 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 1)");
        }
    }
}
