package io.roomrouter.bench;

import org.HdrHistogram.Histogram;

/** What {@link PingFloor}'s pings took: round trips to redis-server, and how late the probe woke to send them. */
final class PingLatency {
    private static final long HIGHEST_MICROS = 60_000_000L;

    private final Histogram roundTrip = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram late = new Histogram(HIGHEST_MICROS, 3);

    void add(long roundTripMicros, long lateMicros) {
        roundTrip.recordValue(Math.min(roundTripMicros, HIGHEST_MICROS));
        late.recordValue(Math.min(lateMicros, HIGHEST_MICROS));
    }

    void add(PingLatency other) {
        roundTrip.add(other.roundTrip);
        late.add(other.late);
    }

    long count() {
        return roundTrip.getTotalCount();
    }

    /** The {@code percentile} of the round trips in milliseconds; NaN when none was added. */
    double roundTripMillis(double percentile) {
        return millis(roundTrip, percentile);
    }

    /** The {@code percentile} of the wake-up lateness in milliseconds; NaN when none was added. */
    double lateMillis(double percentile) {
        return millis(late, percentile);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
