package io.roomrouter.bench;

/**
 * One placement rule as the {@link PlacementSimulation} replays a {@link RoomWorkload} against it, in virtual time
 * (milliseconds from the workload's start). Servers are indexes into the simulation's server list; every server
 * has the same capacity (its {@code maxconn}).
 */
interface SimulatedPlacement {

    /** The rule's name in the curve's table. */
    String label();

    /**
     * The server the player of {@code seat} is sent to, or -1 when it is refused. {@code first} is true for the
     * room's first player to join. {@code connections} are the players connected per server now (what HAProxy
     * counts); a player sent to a server already at its capacity is refused by the simulation (HAProxy queues it
     * until {@code timeout queue}).
     */
    int join(RoomPlan room, RoomPlan.Seat seat, boolean first, long now, int[] connections);

    /** The inventory read HAProxy's counts at {@code tickMillis} (every refresh interval); most rules ignore it. */
    default void refresh(long tickMillis, int[] connections) {}

    /** The room's match ended at {@code now} (its game server tells the router); only admitted rooms end. */
    default void roomEnded(RoomPlan room, long now) {}

    /** Seats held now for players who have not arrived yet; 0 for a rule that holds none. */
    default int heldSeats(long now) {
        return 0;
    }

    /**
     * Seats held now that no player will claim while they are held (no-shows, and players arriving after the hold
     * ends): capacity stranded. 0 for a rule that holds none.
     */
    default int strandedSeats(long now) {
        return 0;
    }
}
