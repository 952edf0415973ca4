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
    /** Shared state was unreachable: a new room was placed by rendezvous hashing over healthy servers. */
    DEGRADED;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** True when the decision names a server to route to. */
    public boolean routes() {
        return this != FULL && this != REJECTED;
    }
}
