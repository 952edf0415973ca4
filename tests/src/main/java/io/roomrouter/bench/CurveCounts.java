package io.roomrouter.bench;

/**
 * The counts behind a {@link PlacementSimulation.Outcome}, kept one way for the simulation and for the curve through
 * HAProxy ({@link CurveTally}): a room whose first join is refused is refused whole, a later player refused is a
 * player refused, and only rooms of the schedule's measured span count; each sample adds the busiest server's
 * players over the mean. Not thread-safe: the tally calls it under its own lock.
 */
final class CurveCounts {
    private final CurveSchedule schedule;
    private int measuredRooms;
    private int roomsRefused;
    private long players;
    private long playersRefused;
    private double ratioSum;
    private int ratioSamples;

    CurveCounts(CurveSchedule schedule) {
        this.schedule = schedule;
    }

    /** Room {@code r}'s first join was answered: the room taken, or refused whole. */
    void roomOffered(int r, boolean refused) {
        if (schedule.measured(r)) {
            measuredRooms++;
            roomsRefused += refused ? 1 : 0;
        }
    }

    /** A player of room {@code r}, its first included, of a room taken: seated, or refused. */
    void player(int r, boolean refused) {
        if (schedule.measured(r)) {
            players++;
            playersRefused += refused ? 1 : 0;
        }
    }

    /** The players on the busiest of {@code servers} servers and on all of them, at one sample. */
    void sample(int busiest, long total, int servers) {
        if (total > 0) {
            ratioSum += busiest / (total / (double) servers);
            ratioSamples++;
        }
    }

    /**
     * The outcome so far: {@code splitRooms} measured rooms on two servers; {@code heldShare} and
     * {@code strandedShare} as measured elsewhere (NaN when not).
     */
    PlacementSimulation.Outcome outcome(String label, int splitRooms, double heldShare, double strandedShare) {
        return new PlacementSimulation.Outcome(label, measuredRooms, roomsRefused, players, playersRefused,
                splitRooms, ratioSamples == 0 ? Double.NaN : ratioSum / ratioSamples, heldShare, strandedShare);
    }
}
