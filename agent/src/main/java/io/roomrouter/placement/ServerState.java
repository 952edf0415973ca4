package io.roomrouter.placement;

/** What a server may do with rooms, reduced from HAProxy's many status strings. */
public enum ServerState {
    /** Takes new rooms and keeps its rooms. */
    UP,
    /** Keeps its rooms, takes no new ones. */
    DRAIN,
    /** Failing its health checks: its rooms are placed again at their next join. */
    DOWN,
    /** Put in maintenance by an operator: its rooms are placed again at their next join. */
    MAINT;

    public boolean takesNewRooms() {
        return this == UP;
    }

    public boolean keepsRooms() {
        return this == UP || this == DRAIN;
    }
}
