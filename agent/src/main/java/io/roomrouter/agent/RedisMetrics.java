package io.roomrouter.agent;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roomrouter.store.RedisHealth;
import io.roomrouter.store.RedisObserver;
import io.roomrouter.store.RedisRoomStore;

/**
 * The Redis store seen from outside: every script call's round trip (observed as it ends, on the Redis event loop:
 * two adds), calls that got no reply, and, read from the store at scrape time, the connection's state, joins answered
 * without Redis and the reconciliations after interruptions. Made before the store (which reports to it), then
 * {@link #watch}es the store once the agent serves: what the warm-up did is not counted.
 */
final class RedisMetrics implements RedisObserver {
    /** From a tenth of a millisecond (a step on loopback) to past the joins' bound and Lettuce's command time-out. */
    static final double[] ROUND_TRIP_BUCKETS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
    };
    private static final double NANOS_PER_SECOND = 1e9;

    private final PrometheusRegistry registry;
    private final DistributionDataPoint roundTrips;
    private final CounterDataPoint unanswered;
    // Counting starts when the agent serves, after its warm-up's joins (which go through the store too): from then
    // on, and relative to what the store had counted by then, so that a cold start's slow joins do not show as an
    // outage that never happened.
    private volatile boolean serving;

    RedisMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        roundTrips = Histogram.builder()
                .name("room_router_redis_round_trip_seconds")
                .help("Time from sending a script call to Redis (a batch of joins, a release, a publication, a"
                        + " reconciliation step) to its reply.")
                .classicOnly()
                .classicUpperBounds(ROUND_TRIP_BUCKETS)
                .withoutExemplars()
                .register(registry)
                .labelValues();
        unanswered = Counter.builder()
                .name("room_router_redis_unanswered_calls_total")
                .help("Script calls that got no reply: timed out, connection lost, or refused while disconnected.")
                .withoutExemplars()
                .register(registry)
                .labelValues();
    }

    @Override
    public void ended(long nanos, boolean replied) {
        if (!serving) {
            return;
        }
        if (replied) {
            roundTrips.observe(nanos / NANOS_PER_SECOND);
        } else {
            unanswered.inc();
        }
    }

    /** Counts round trips from now on. */
    void serving() {
        serving = true;
    }

    /** Registers what is read from {@code store} at scrape time, counted from now on. */
    void watch(RedisRoomStore store) {
        RedisHealth start = store.health();
        serving();
        GaugeWithCallback.builder()
                .name("room_router_redis_connected")
                .help("1 while the command connection to Redis is up, 0 while it is lost.")
                .callback(callback -> callback.call(store.health().connected() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_redis_answering")
                .help("1 when Redis can be asked now (connected and not silent), 0 when joins of new rooms are"
                        + " refused at once.")
                .callback(callback -> callback.call(store.health().answering() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("room_router_redis_known_rooms")
                .help("Rooms this agent knows as Redis confirmed them (its cache), idle ones until forgotten.")
                .callback(callback -> callback.call(store.health().knownRooms()))
                .register(registry);
        CounterWithCallback.builder()
                .name("room_router_redis_degraded_answers_total")
                .help("Joins answered without Redis (slow, silent or unreachable): a known room kept its server,"
                        + " any other was refused (retry).")
                .callback(callback -> callback.call((double) (store.health().degradedAnswers() - start.degradedAnswers())))
                .register(registry);
        CounterWithCallback.builder()
                .name("room_router_redis_extended_bounds_total")
                .help("Joins whose --redis-timeout came due while the agent's event loop was held up (a collection, a"
                        + " busy core): given the time lost once more, at most half the bound, since the agent, not"
                        + " Redis, used it.")
                .callback(callback -> callback.call((double) (store.health().extendedBounds() - start.extendedBounds())))
                .register(registry);
        CounterWithCallback.builder()
                .name("room_router_redis_dropped_touches_total")
                .help("Touches (the Redis step of a join answered from the cache) dropped because Redis was behind:"
                        + " their players are not counted as arrived and their seats stay held until the window ends.")
                .callback(callback -> callback.call((double) (store.health().droppedTouches() - start.droppedTouches())))
                .register(registry);
        CounterWithCallback.builder()
                .name("room_router_redis_reconciliations_total")
                .help("Reconciliations completed after Redis was interrupted: every known room offered to it again.")
                .callback(callback -> callback.call((double) (store.health().reconciliations() - start.reconciliations())))
                .register(registry);
        CounterWithCallback.builder()
                .name("room_router_redis_reconciled_rooms_total")
                .help("Rooms offered to Redis by reconciliations, by outcome: adopted (Redis lacked it), kept (same"
                        + " server), conflict (Redis had another server, which stands).")
                .labelNames("outcome")
                .callback(callback -> {
                    RedisHealth health = store.health();
                    callback.call((double) (health.roomsAdopted() - start.roomsAdopted()), "adopted");
                    callback.call((double) (health.roomsKept() - start.roomsKept()), "kept");
                    callback.call((double) (health.roomsConflicting() - start.roomsConflicting()), "conflict");
                })
                .register(registry);
    }
}
