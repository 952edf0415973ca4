package io.roomrouter.agent;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roomrouter.spop.SpopFrameType;
import io.roomrouter.spop.SpopStatus;
import java.util.EnumMap;
import java.util.Locale;

/**
 * SPOP connections open, frames by type (both directions: each type goes one way) and DISCONNECT frames by who sent
 * them and their status. Every data point is resolved here once: counting allocates nothing.
 */
final class SpopMetrics {
    /** Counts into a registry nobody scrapes: for sessions built without metrics (tests, the warm-up). */
    static final SpopMetrics NONE = new SpopMetrics(new PrometheusRegistry());

    private final GaugeDataPoint connections;
    private final EnumMap<SpopFrameType, CounterDataPoint> frames = new EnumMap<>(SpopFrameType.class);
    private final EnumMap<SpopStatus, CounterDataPoint> byAgent = new EnumMap<>(SpopStatus.class);
    private final EnumMap<SpopStatus, CounterDataPoint> byHaproxy = new EnumMap<>(SpopStatus.class);

    SpopMetrics(PrometheusRegistry registry) {
        connections = Gauge.builder()
                .name("room_router_spop_connections")
                .help("SPOP connections open now, HAProxy's health checks included.")
                .withoutExemplars()
                .register(registry)
                .labelValues();
        Counter frameCounter = Counter.builder()
                .name("room_router_spop_frames_total")
                .help("SPOP frames read (haproxy_hello, notify, haproxy_disconnect) and written (agent_hello, ack,"
                        + " agent_disconnect), by type.")
                .labelNames("type")
                .withoutExemplars()
                .register(registry);
        for (SpopFrameType type : SpopFrameType.values()) {
            frames.put(type, frameCounter.labelValues(type.name().toLowerCase(Locale.ROOT)));
        }
        Counter disconnects = Counter.builder()
                .name("room_router_spop_disconnects_total")
                .help("SPOP connections ended by a DISCONNECT frame, by the side that sent it (agent or haproxy)"
                        + " and its status.")
                .labelNames("side", "status")
                .withoutExemplars()
                .register(registry);
        for (SpopStatus status : SpopStatus.values()) {
            String name = status.name().toLowerCase(Locale.ROOT);
            byAgent.put(status, disconnects.labelValues("agent", name));
            byHaproxy.put(status, disconnects.labelValues("haproxy", name));
        }
    }

    void opened() {
        connections.inc();
    }

    void closed() {
        connections.dec();
    }

    /** A frame of {@code type} was read or written. */
    void frame(SpopFrameType type) {
        frames.get(type).inc();
    }

    /** The agent ended a connection with {@code status}. */
    void agentDisconnected(SpopStatus status) {
        byAgent.get(status).inc();
    }

    /** HAProxy ended a connection with {@code code} (codes it does not define count as {@code unknown}). */
    void haproxyDisconnected(long code) {
        byHaproxy.get(SpopStatus.valueOf(code)).inc();
    }
}
