package io.roomrouter.placement;

import java.util.Objects;
import java.util.Optional;

/**
 * A validated request to join a room: the ids have passed {@link Identifiers}, and {@code size} is the room's
 * capacity in players (the default when the client did not say). {@code client} identifies who asks (HAProxy's
 * {@code src} by default, or whatever sample the operator sends): it bounds how many rooms one client may open at
 * once; empty when HAProxy does not send it, and then no such bound applies.
 */
public record JoinRequest(String room, String backend, int size, Optional<String> player, Optional<String> client) {

    public JoinRequest {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(player, "player");
        Objects.requireNonNull(client, "client");
        if (size < 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 1)");
        }
    }

    /** A join whose client is not known: no per-client bound applies to it. */
    public JoinRequest(String room, String backend, int size, Optional<String> player) {
        this(room, backend, size, player, Optional.empty());
    }
}
