package io.roomrouter.store;

import io.roomrouter.placement.Reasons;

/**
 * What one backend's new rooms are bounded by, so that clients cannot grow the agent's heap (or Redis' memory) or
 * hold every seat with rooms nobody joins. {@code maxPendingPerClient}: rooms one client may hold while their seats
 * are still held for players who have not arrived (inside the reservation window, not every seat claimed yet).
 * {@code maxRooms}: rooms the backend may hold at once. Both only ever refuse a new room: a join of a room that
 * exists is never refused by them.
 */
public record RoomBounds(int maxPendingPerClient, int maxRooms) {
    /** No bound: for benchmarks and tests of other things. */
    public static final RoomBounds NONE = new RoomBounds(Integer.MAX_VALUE, Integer.MAX_VALUE);

    public RoomBounds {
        if (maxPendingPerClient < 1) {
            throw new IllegalArgumentException("maxPendingPerClient: " + maxPendingPerClient + " (expected: >= 1)");
        }
        if (maxRooms < 1) {
            throw new IllegalArgumentException("maxRooms: " + maxRooms + " (expected: >= 1)");
        }
    }

    /** The reason of a new room refused because its client holds too many rooms still waiting for players. */
    String clientReason() {
        return Reasons.clientBound(maxPendingPerClient);
    }

    /** The reason of a new room refused because the backend holds {@link #maxRooms} rooms. */
    String roomsReason() {
        return Reasons.roomLimit(maxRooms);
    }
}
