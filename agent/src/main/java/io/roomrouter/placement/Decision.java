package io.roomrouter.placement;

import java.util.Locale;

/** What the agent decided for one join; {@link #wireName()} is the value HAProxy reads in {@code txn.room.decision}. */
public enum Decision {
    /** The room already lives on a server that keeps it. */
    STICKY,
    /** A new room, placed on the least-loaded server where it fits whole. */
    PLACED,
    /** The room's server left or went down: the room was placed again. */
    MOVED,
    /** No server can take a whole new room: nothing was placed. */
    FULL,
    /** The join's arguments were missing or bad. */
    REJECTED,
    /**
     * Shared state could not place a new room now (Redis slow, silent or unreachable): nothing was placed and the
     * player is not routed; HAProxy answers 503 and the client retries. A guess would split the room whenever
     * Redis, or another agent through it, placed the room elsewhere.
     */
    RETRY;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** True when the decision names a server to route to. */
    public boolean routes() {
        return this != FULL && this != REJECTED && this != RETRY;
    }
}
