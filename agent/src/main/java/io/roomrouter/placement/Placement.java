package io.roomrouter.placement;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one join: the decision, the server when one was chosen, why, and the chosen server's load
 * and capacity as the decision saw them (0 and 0 when no server was chosen). {@code fallback} is where the room
 * would move if its server failed now ({@link PlacementPolicy#fallback}); empty when no other server is UP.
 */
public record Placement(
        Decision decision, Optional<String> server, Optional<String> fallback, String reason, int load, int capacity) {

    public Placement {
        Objects.requireNonNull(decision, "decision");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(reason, "reason");
        if (decision.routes() != server.isPresent()) {
            throw new IllegalArgumentException(
                    "server: " + server + " (expected: present exactly when decision " + decision + " routes)");
        }
        if (fallback.isPresent() && (server.isEmpty() || fallback.equals(server))) {
            throw new IllegalArgumentException(
                    "fallback: " + fallback + " (expected: only with a server, and another one than " + server + ")");
        }
    }

    public static Placement routed(Decision decision, String server, String reason, int load, int capacity) {
        return new Placement(decision, Optional.of(server), Optional.empty(), reason, load, capacity);
    }

    public static Placement routed(
            Decision decision, String server, Optional<String> fallback, String reason, int load, int capacity) {
        return new Placement(decision, Optional.of(server), fallback, reason, load, capacity);
    }

    public static Placement full(String reason) {
        return new Placement(Decision.FULL, Optional.empty(), Optional.empty(), reason, 0, 0);
    }

    public static Placement retry(String reason) {
        return new Placement(Decision.RETRY, Optional.empty(), Optional.empty(), reason, 0, 0);
    }

    public static Placement rejected(String reason) {
        return new Placement(Decision.REJECTED, Optional.empty(), Optional.empty(), reason, 0, 0);
    }
}
