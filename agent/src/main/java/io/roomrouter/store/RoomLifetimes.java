package io.roomrouter.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a room holds things. {@code reservationWindow}: how long after placement the seats of players who
 * have not arrived yet stay held. {@code stragglerHold}: once a room has seen most of its players
 * ({@link #mostArrived}), how much longer the seats of the rest stay held; the window then ends that much after
 * that arrival, if that is sooner than its own end. {@code idleTimeout}: a room with no join for this long ends.
 */
public record RoomLifetimes(Duration reservationWindow, Duration stragglerHold, Duration idleTimeout) {
    /**
     * The shipped {@code --straggler-hold}: on the placement curve (issue 16) it gives back most of what a shorter
     * one would, with few more late players finding their room's server full (README, "Placement under a realistic
     * workload"). The early end gives back every seat the room holds, as the window's end does: those of arrivals
     * HAProxy may not count yet too, which a hold of a second or more leaves nearly none of.
     */
    public static final Duration DEFAULT_STRAGGLER_HOLD = Duration.ofSeconds(10);

    /**
     * How long after a player's join an inventory snapshot must have been taken before that player counts among
     * HAProxy's live connections (and so stops holding a reserved seat). HAProxy connects to the server as soon as
     * it reads the ACK, well within this even when loaded; until then the player is counted twice, the safe side.
     */
    static final long ARRIVAL_SETTLE_MILLIS = 100;

    public RoomLifetimes {
        Objects.requireNonNull(reservationWindow, "reservationWindow");
        Objects.requireNonNull(stragglerHold, "stragglerHold");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (reservationWindow.isNegative() || reservationWindow.isZero()) {
            throw new IllegalArgumentException("reservationWindow: " + reservationWindow + " (expected: > 0)");
        }
        if (stragglerHold.isNegative() || stragglerHold.isZero()) {
            throw new IllegalArgumentException("stragglerHold: " + stragglerHold + " (expected: > 0)");
        }
        if (idleTimeout.compareTo(reservationWindow) < 0) {
            throw new IllegalArgumentException(
                    "idleTimeout: " + idleTimeout + " (expected: >= reservationWindow " + reservationWindow + ")");
        }
    }

    /** With the shipped {@link #DEFAULT_STRAGGLER_HOLD}. */
    public RoomLifetimes(Duration reservationWindow, Duration idleTimeout) {
        this(reservationWindow, DEFAULT_STRAGGLER_HOLD, idleTimeout);
    }

    /**
     * Whether a room of {@code size} that has seen {@code arrived} of its players has seen most of them: four in
     * five, rounded up (8 of 10, 4 of 5; a room of 4 or fewer only when full). The rest are the stragglers, whose
     * seats stay held only {@link #stragglerHold} more. The Lua script (room-router.lua) has the same test.
     */
    public static boolean mostArrived(int arrived, int size) {
        return 5 * arrived >= 4 * size;
    }
}
