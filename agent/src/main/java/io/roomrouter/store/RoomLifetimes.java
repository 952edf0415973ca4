package io.roomrouter.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a room holds things. {@code reservationWindow}: how long after placement the seats of players who
 * have not arrived yet stay held. {@code idleTimeout}: a room with no join for this long ends.
 */
public record RoomLifetimes(Duration reservationWindow, Duration idleTimeout) {

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
