package io.roomrouter.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one load-generator run measured: decisions answered inside the measurement window, the window, latency
 * in nanoseconds (from the time each NOTIFY was due, so a late send counts as latency), and the decisions by name.
 */
record LoadResult(long decisions, double seconds, Histogram latencyNanos, Map<String, Long> byDecision, long offered) {

    double perSecond() {
        return decisions / seconds;
    }

    double percentileMillis(double percentile) {
        return latencyNanos.getValueAtPercentile(percentile) / 1e6;
    }
}
