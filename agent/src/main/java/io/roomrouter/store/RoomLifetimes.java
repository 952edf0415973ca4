package io.roomrouter.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a room holds things. {@code reservationWindow}: how long after placement the seats of players who
 * have not arrived yet stay held. {@code idleTimeout}: a room with no join for this long ends.
 */
public record RoomLifetimes(Duration reservationWindow, Duration idleTimeout) {
    /**
     * How long after a player's join an inventory snapshot must have been taken before that player counts among
     * HAProxy's live connections (and so stops holding a reserved seat). HAProxy connects to the server as soon as
     * it reads the ACK, well within this even when loaded; until then the player is counted twice, the safe side.
     */
    static final long ARRIVAL_SETTLE_MILLIS = 100;

    public RoomLifetimes {
        Objects.requireNonNull(reservationWindow, "reservationWindow");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (reservationWindow.isNegative() || reservationWindow.isZero()) {
            throw new IllegalArgumentException("reservationWindow: " + reservationWindow + " (expected: > 0)");
        }
        if (idleTimeout.compareTo(reservationWindow) < 0) {
            throw new IllegalArgumentException(
                    "idleTimeout: " + idleTimeout + " (expected: >= reservationWindow " + reservationWindow + ")");
        }
    }
}
