package io.roomrouter.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one load-generator run measured: decisions answered inside the measurement window, the window, latency
 * in nanoseconds (from the time each NOTIFY was due, so a late send counts as latency), the same from the time
 * each NOTIFY was written (the round trip alone, without the generator's own lateness), and the decisions by name.
 */
record LoadResult(long decisions, double seconds, Histogram latencyNanos, Histogram fromSendNanos,
        Map<String, Long> byDecision, long offered) {

    double perSecond() {
        return decisions / seconds;
    }

    double percentileMillis(double percentile) {
        return latencyNanos.getValueAtPercentile(percentile) / 1e6;
    }

    double fromSendPercentileMillis(double percentile) {
        return fromSendNanos.getValueAtPercentile(percentile) / 1e6;
    }
}
