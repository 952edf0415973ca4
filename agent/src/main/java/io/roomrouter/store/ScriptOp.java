package io.roomrouter.store;

/**
 * What one entry of a batch step asks the script, with the letter that names it on the wire (the script's
 * {@code batch} operation reads it; see {@code room-router.lua}).
 */
enum ScriptOp {
    /** A first join Redis decides, which may open a new room. */
    JOIN("j"),
    /** A join whose client is at its bound of rooms waiting for players: Redis rejects it for a new room. */
    JOIN_EXISTING_ONLY("n"),
    /** A join answered from the cache: keeps the room alive and counts the arrival if its epoch still holds. */
    TOUCH("t"),
    /**
     * The room ended. A release goes out alone, as the script's {@code release} operation: its letter never
     * appears in a batch.
     */
    RELEASE("r");

    private final String wire;

    ScriptOp(String wire) {
        this.wire = wire;
    }

    /** The letter the script reads. */
    String wire() {
        return wire;
    }

    boolean isJoin() {
        return this == JOIN || this == JOIN_EXISTING_ONLY;
    }
}
