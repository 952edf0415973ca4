package io.roomrouter.placement;

import java.util.Objects;

/** A server with the seats its store holds for rooms still filling: its load is live connections plus those. */
public record ServerLoad(ServerStatus status, int heldSeats) {

    public ServerLoad {
        Objects.requireNonNull(status, "status");
    }

    public String name() {
        return status.name();
    }

    public int load() {
        return status.liveConnections() + heldSeats;
    }

    public int capacity() {
        return status.capacity();
    }

    /** True when a whole room of {@code size} players fits on top of the current load. */
    public boolean fits(int size) {
        return status.state().takesNewRooms() && (long) load() + size <= status.capacity();
    }
}
