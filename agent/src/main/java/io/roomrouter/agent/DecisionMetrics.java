package io.roomrouter.agent;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roomrouter.placement.Decision;
import java.util.EnumMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The decision path's instruments: decisions by backend and decision, how long each took, and the joins that got no
 * decision (an unknown backend, a failed store, an internal error).
 *
 * <p>Counting must cost the decision path nothing measurable: every data point is resolved once (per backend, on its
 * first decision, and per decision here), so a join costs one map lookup, a counter add and a histogram add, and
 * allocates nothing. Backend labels come from the inventory (a join is decided only for a backend it knows; a
 * rejected join's backend is named only when the inventory knows it, else {@value #NO_BACKEND}): what clients send
 * cannot mint label values.
 */
final class DecisionMetrics {
    /** The backend label of a rejected join whose backend the inventory does not know, as in the decision log. */
    static final String NO_BACKEND = "-";
    /** Sub-millisecond buckets first: a decision takes tens of microseconds alone, a few milliseconds with Redis. */
    static final double[] LATENCY_BUCKETS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25
    };
    private static final double NANOS_PER_SECOND = 1e9;
    /** Counts into a registry nobody scrapes: for handlers built without metrics (tests, the warm-up). */
    static final DecisionMetrics NONE = new DecisionMetrics(new PrometheusRegistry());

    private final Counter decisions;
    // EnumMaps: an array indexed by the decision underneath, without allocating on get.
    private final EnumMap<Decision, DistributionDataPoint> latency = new EnumMap<>(Decision.class);
    private final ConcurrentHashMap<String, EnumMap<Decision, CounterDataPoint>> byBackend =
            new ConcurrentHashMap<>();
    private final CounterDataPoint unknownBackend;
    private final CounterDataPoint storeErrors;
    private final CounterDataPoint internalErrors;

    DecisionMetrics(PrometheusRegistry registry) {
        decisions = Counter.builder()
                .name("room_router_decisions_total")
                .help("Joins decided, by backend and decision (sticky, placed, moved, full, rejected, retry).")
                .labelNames("backend", "decision")
                .withoutExemplars()
                .register(registry);
        Histogram histogram = Histogram.builder()
                .name("room_router_decision_duration_seconds")
                .help("Time from a NOTIFY read to its decision, by decision.")
                .labelNames("decision")
                .classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS)
                .withoutExemplars()
                .register(registry);
        for (Decision decision : Decision.values()) {
            latency.put(decision, histogram.labelValues(decision.wireName()));
        }
        unknownBackend = Counter.builder()
                .name("room_router_joins_unknown_backend_total")
                .help("Joins for a backend the inventory does not know, left to HAProxy's hashing.")
                .withoutExemplars()
                .register(registry)
                .labelValues();
        Counter errors = Counter.builder()
                .name("room_router_join_errors_total")
                .help("Joins refused (decision retry) because the store failed or answering them failed, by kind.")
                .labelNames("kind")
                .withoutExemplars()
                .register(registry);
        storeErrors = errors.labelValues("store");
        internalErrors = errors.labelValues("internal");
    }

    /** A join of {@code backend} was decided {@code decision} in {@code nanos}. */
    void decided(String backend, Decision decision, long nanos) {
        EnumMap<Decision, CounterDataPoint> points = byBackend.get(backend);
        if (points == null) {
            points = byBackend.computeIfAbsent(backend, this::resolve);
        }
        points.get(decision).inc();
        latency.get(decision).observe(nanos / NANOS_PER_SECOND);
    }

    void unknownBackend() {
        unknownBackend.inc();
    }

    void storeError() {
        storeErrors.inc();
    }

    void internalError() {
        internalErrors.inc();
    }

    // Every decision of a new backend at once, so that each shows 0 before its first (rate() needs a start).
    private EnumMap<Decision, CounterDataPoint> resolve(String backend) {
        EnumMap<Decision, CounterDataPoint> points = new EnumMap<>(Decision.class);
        for (Decision decision : Decision.values()) {
            points.put(decision, decisions.labelValues(backend, decision.wireName()));
        }
        return points;
    }
}
