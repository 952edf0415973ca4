package io.roomrouter.bench;

import io.roomrouter.kit.AgentDecision;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * How long the agents took over their decisions, as they log it ({@code micros=}: from the join's arrival at the
 * agent to its answer), one histogram per decision kind, over every log line given to {@link #add}.
 */
final class DecisionLatency {
    // A decision never waits for Redis longer than --redis-timeout; a minute is far past anything seen.
    private static final long HIGHEST_MICROS = 60_000_000L;

    private final String backend;
    private final Map<String, Histogram> byDecision = new TreeMap<>();

    /** Counts only decisions for {@code backend}: the agent's own warm-up decides for a backend of its own. */
    DecisionLatency(String backend) {
        this.backend = backend;
    }

    void add(List<String> logLines) {
        for (String line : logLines) {
            OptionalLong micros = AgentDecision.micros(line);
            if (micros.isEmpty()) {
                continue;
            }
            AgentDecision.parse(line).filter(d -> d.backend().equals(backend)).ifPresent(d -> byDecision
                    .computeIfAbsent(d.decision(), k -> new Histogram(HIGHEST_MICROS, 3))
                    .recordValue(Math.min(micros.getAsLong(), HIGHEST_MICROS)));
        }
    }

    long count(String decision) {
        Histogram h = byDecision.get(decision);
        return h == null ? 0 : h.getTotalCount();
    }

    /** The {@code percentile} of {@code decision}'s latency in milliseconds; NaN when none was logged. */
    double percentileMillis(String decision, double percentile) {
        Histogram h = byDecision.get(decision);
        return h == null || h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
