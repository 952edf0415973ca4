package io.roomrouter.agent;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roomrouter.haproxy.RuntimeApiInventory;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.store.RedisRoomStore;
import io.roomrouter.store.RoomStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent's Prometheus metrics, served as text by the admin endpoint's {@code GET /metrics}: one registry of this
 * agent's own (never the client library's global one, so that agents in one JVM, as in the tests, count apart), the
 * JVM's standard metrics, and one small class per concern: {@link DecisionMetrics} and {@link SpopMetrics} count on
 * the SPOP path, {@link RedisMetrics} hears the Redis store, {@link RoomMetrics} and the gauges here read the store,
 * inventory and decision log when scraped.
 *
 * <p>Names follow Prometheus's conventions: prefix {@code room_router_}, base units (seconds), {@code _total} on
 * counters; labels follow HAProxy's exporter ({@code backend}, {@code server}, {@code state}). The README lists them.
 * Made in two steps, as the agent starts: the instruments the store and the SPOP path count into first, then
 * {@link #watch} once the store, inventory and decision log exist.
 */
final class AgentMetrics {
    /** The Prometheus text format's media type, version 0.0.4, as Prometheus asks for it. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final DecisionMetrics decisions = new DecisionMetrics(registry);
    private final SpopMetrics spop = new SpopMetrics(registry);
    private RedisMetrics redis;

    AgentMetrics() {
        JvmMetrics.builder().register(registry);
    }

    DecisionMetrics decisions() {
        return decisions;
    }

    SpopMetrics spop() {
        return spop;
    }

    /** The Redis store's instruments, registered on the first call: only an agent with {@code --redis} has them. */
    synchronized RedisMetrics redis() {
        if (redis == null) {
            redis = new RedisMetrics(registry);
        }
        return redis;
    }

    /** Registers what is read at scrape time from the parts of a started agent. */
    void watch(RoomStore store, ServerInventory inventory, DecisionLog log) {
        RoomMetrics.register(registry, store, inventory);
        if (store instanceof RedisRoomStore redisStore) {
            redis().watch(redisStore);
        }
        if (inventory instanceof RuntimeApiInventory runtime) {
            GaugeWithCallback.builder()
                    .name("room_router_runtime_api_snapshot_age_seconds")
                    .help("Time since HAProxy's runtime API was last read whole (show stat); absent before the"
                            + " first read.")
                    .callback(callback -> {
                        Optional<Duration> age = runtime.snapshotAge();
                        if (age.isPresent()) {
                            callback.call(age.get().toNanos() / 1e9);
                        }
                    })
                    .register(registry);
            CounterWithCallback.builder()
                    .name("room_router_runtime_api_failures_total")
                    .help("Reads of HAProxy's runtime API that failed; the last snapshot is served meanwhile.")
                    .callback(callback -> callback.call((double) runtime.failedReads()))
                    .register(registry);
        }
        CounterWithCallback.builder()
                .name("room_router_decision_log_dropped_total")
                .help("Decision log lines dropped: the log's writer fell behind, or stderr failed.")
                .callback(callback -> callback.call((double) log.dropped()))
                .register(registry);
    }

    /** Every metric now, in the Prometheus text format. Runs on the admin thread; callbacks never block long. */
    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
        try {
            WRITER.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
