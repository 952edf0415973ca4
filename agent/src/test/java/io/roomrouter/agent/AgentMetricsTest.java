package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.spop.SpopFrameType;
import io.roomrouter.spop.SpopStatus;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomLifetimes;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final MemoryRoomStore store =
            new MemoryRoomStore(new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(30)), now::get);
    private final StaticInventory inventory = StaticInventory.parse(List.of("be_game=game1,game2"), 10);
    private final DecisionLog log = new DecisionLog(OutputStream.nullOutputStream());
    private final AgentMetrics metrics = new AgentMetrics();

    AgentMetricsTest() {
        metrics.watch(store, inventory, log);
    }

    @AfterEach
    void closeLog() {
        log.close();
    }

    @Test
    void countsDecisionsByBackendAndDecisionWithTheirDurations() {
        metrics.decisions().decided("be_game", Decision.PLACED, 30_000); // 30 µs
        metrics.decisions().decided("be_game", Decision.PLACED, 40_000);
        metrics.decisions().decided("be_game", Decision.STICKY, 200_000);
        metrics.decisions().decided("be_other", Decision.FULL, 2_000_000);
        metrics.decisions().unknownBackend();
        metrics.decisions().storeError();

        PrometheusText text = scrape();

        assertThat(text.types()).containsEntry("room_router_decisions_total", "counter")
                .containsEntry("room_router_decision_duration_seconds", "histogram");
        assertThat(decisions(text, "be_game", "placed")).isEqualTo(2.0);
        assertThat(decisions(text, "be_game", "sticky")).isEqualTo(1.0);
        // Every decision of a backend shows from its first, at 0.
        assertThat(decisions(text, "be_game", "moved")).isZero();
        assertThat(decisions(text, "be_game", "full")).isZero();
        assertThat(decisions(text, "be_other", "full")).isEqualTo(1.0);
        assertThat(text.samples("room_router_decisions_total")).hasSize(2 * Decision.values().length);
        assertThat(bucket(text, "placed", 0.00005)).isEqualTo(2.0);
        assertThat(bucket(text, "sticky", 0.0001)).isZero();
        assertThat(bucket(text, "sticky", 0.00025)).isEqualTo(1.0);
        assertThat(bucket(text, "full", 0.001)).isZero();
        assertThat(bucket(text, "full", 0.0025)).isEqualTo(1.0);
        assertThat(text.value("room_router_decision_duration_seconds_count", "decision", "placed")).contains(2.0);
        assertThat(text.value("room_router_decision_duration_seconds_sum", "decision", "placed").orElseThrow())
                .isCloseTo(0.00007, within(1e-12));
        assertThat(text.value("room_router_joins_unknown_backend_total")).contains(1.0);
        assertThat(text.value("room_router_join_errors_total", "kind", "store")).contains(1.0);
        assertThat(text.value("room_router_join_errors_total", "kind", "internal")).contains(0.0);
    }

    @Test
    void readsRoomsSeatsAndServersFromTheStoreAndInventoryWhenScraped() {
        BackendSnapshot backend = inventory.backend("be_game").orElseThrow();
        Placement placed = store.join(new JoinRequest("r1", "be_game", 4, Optional.of("p1")), backend)
                .toCompletableFuture().join();
        String server = placed.server().orElseThrow();
        String other = server.equals("game1") ? "game2" : "game1";

        PrometheusText text = scrape();

        assertThat(text.value("room_router_rooms", "backend", "be_game")).contains(1.0);
        assertThat(text.value("room_router_rooms_reserving", "backend", "be_game")).contains(1.0);
        assertThat(text.value("room_router_server_seats_held", "backend", "be_game", "server", server)).contains(4.0);
        assertThat(text.value("room_router_server_seats_held", "backend", "be_game", "server", other)).contains(0.0);
        assertThat(text.value("room_router_server_capacity", "backend", "be_game", "server", server)).contains(10.0);
        assertThat(text.value("room_router_server_live_connections", "backend", "be_game", "server", server))
                .contains(0.0);
        assertThat(text.value("room_router_server_state", "backend", "be_game", "server", server, "state", "UP"))
                .contains(1.0);
        assertThat(text.value("room_router_server_state", "backend", "be_game", "server", server, "state", "DOWN"))
                .contains(0.0);

        store.release("be_game", "r1");
        PrometheusText after = scrape();

        assertThat(after.value("room_router_rooms", "backend", "be_game")).contains(0.0);
        assertThat(after.value("room_router_rooms_reserving", "backend", "be_game")).contains(0.0);
        assertThat(after.value("room_router_server_seats_held", "backend", "be_game", "server", server))
                .contains(0.0);
    }

    @Test
    void countsSpopConnectionsFramesAndDisconnects() {
        SpopMetrics spop = metrics.spop();
        spop.opened();
        spop.opened();
        spop.closed();
        spop.frame(SpopFrameType.NOTIFY);
        spop.frame(SpopFrameType.NOTIFY);
        spop.frame(SpopFrameType.ACK);
        spop.agentDisconnected(SpopStatus.TIMEOUT);
        spop.haproxyDisconnected(0);
        spop.haproxyDisconnected(77); // not a code HAProxy defines

        PrometheusText text = scrape();

        assertThat(text.value("room_router_spop_connections")).contains(1.0);
        assertThat(text.value("room_router_spop_frames_total", "type", "notify")).contains(2.0);
        assertThat(text.value("room_router_spop_frames_total", "type", "ack")).contains(1.0);
        assertThat(text.value("room_router_spop_frames_total", "type", "haproxy_hello")).contains(0.0);
        assertThat(text.value("room_router_spop_disconnects_total", "side", "agent", "status", "timeout"))
                .contains(1.0);
        assertThat(text.value("room_router_spop_disconnects_total", "side", "haproxy", "status", "normal"))
                .contains(1.0);
        assertThat(text.value("room_router_spop_disconnects_total", "side", "haproxy", "status", "unknown"))
                .contains(1.0);
    }

    @Test
    void measuresRedisRoundTripsOnlyOnceRegistered() {
        assertThat(scrape().types()).doesNotContainKey("room_router_redis_round_trip_seconds");

        RedisMetrics redis = metrics.redis();
        redis.ended(1_000_000, true); // before the agent serves (its warm-up): not counted
        redis.serving();
        redis.ended(2_000_000, true); // 2 ms
        redis.ended(50_000_000, false);
        PrometheusText text = scrape();

        assertThat(text.value("room_router_redis_round_trip_seconds_bucket", "le", "0.001")).contains(0.0);
        assertThat(text.value("room_router_redis_round_trip_seconds_bucket", "le", "0.0025")).contains(1.0);
        assertThat(text.value("room_router_redis_round_trip_seconds_count")).contains(1.0);
        assertThat(text.value("room_router_redis_unanswered_calls_total")).contains(1.0);
    }

    @Test
    void servesTheJvmMetricsAndTheDecisionLogsDrops() {
        PrometheusText text = scrape();

        assertThat(text.value("jvm_memory_used_bytes", "area", "heap").orElseThrow()).isPositive();
        assertThat(text.types()).containsKeys("jvm_threads_current", "jvm_gc_collection_seconds",
                "process_cpu_seconds_total");
        assertThat(text.value("room_router_decision_log_dropped_total")).contains(0.0);
        // No runtime API here: its metrics are not shown as if it were read.
        assertThat(text.types()).doesNotContainKey("room_router_runtime_api_snapshot_age_seconds");
    }

    private PrometheusText scrape() {
        return PrometheusText.parse(metrics.scrape());
    }

    private static double decisions(PrometheusText text, String backend, String decision) {
        return text.value("room_router_decisions_total", "backend", backend, "decision", decision).orElseThrow();
    }

    // By the bound's value, whatever digits the writer gives it (5.0E-5).
    private static double bucket(PrometheusText text, String decision, double le) {
        return text.samples("room_router_decision_duration_seconds_bucket").stream()
                .filter(sample -> decision.equals(sample.labels().get("decision"))
                        && Double.parseDouble(sample.labels().get("le")) == le)
                .findFirst().orElseThrow().value();
    }
}
