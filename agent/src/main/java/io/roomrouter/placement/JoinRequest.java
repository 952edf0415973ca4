package io.roomrouter.placement;

import java.util.Objects;
import java.util.Optional;

/**
 * A validated request to join a room: the ids have passed {@link Identifiers}, and {@code size} is the room's
 * capacity in players (the default when the client did not say). {@code client} identifies who asks (HAProxy's
 * {@code src} by default, or whatever sample the operator sends): it bounds how many rooms one client may open at
 * once; empty when HAProxy does not send it, and then no such bound applies. {@code table} is what HAProxy's
 * stick table said of the room when HAProxy sent the join.
 */
public record JoinRequest(String room, String backend, int size, Optional<String> player, Optional<String> client,
        TableHint table) {

    public JoinRequest {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(player, "player");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(table, "table");
        if (size < 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 1)");
        }
    }

    /** A join HAProxy said nothing of its stick table for. */
    public JoinRequest(String room, String backend, int size, Optional<String> player, Optional<String> client) {
        this(room, backend, size, player, client, TableHint.NOT_SENT);
    }

    /** A join whose client is not known: no per-client bound applies to it. */
    public JoinRequest(String room, String backend, int size, Optional<String> player) {
        this(room, backend, size, player, Optional.empty());
    }
}
