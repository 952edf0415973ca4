package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.AgentDisconnect;
import io.roomrouter.spop.HaproxyDisconnect;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopStatus;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} of a running agent, scraped over a real socket after known SPOP traffic: the counters hold
 * exactly what was sent, the gauges what the store holds, and the whole answer parses as Prometheus text.
 */
class MetricsIT {
    private Agent agent;
    private EventLoopGroup group;

    @BeforeEach
    void startAgent() throws Exception {
        // Two servers of 8 seats and rooms of 4: four rooms fill the backend, the fifth finds it full.
        agent = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--servers", "be_game=game1,game2", "--server-capacity", "8", "--room-size", "4"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stopAgent() {
        agent.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void countsKnownTrafficExactlyAndParsesAsPrometheusText() throws Exception {
        PrometheusText before = PrometheusText.parse(body(scrape()));
        // Nothing counted yet: the warm-up's joins run on a listener of their own, uncounted.
        assertThat(before.value("room_router_spop_connections")).contains(0.0);
        assertThat(before.samples("room_router_decisions_total")).isEmpty();

        try (SpopClient client = SpopClient.ready(group, agent.spopAddress())) {
            assertThat(decision(client, join(1, "room-a", "p1", "be_game"))).isEqualTo("placed");
            assertThat(decision(client, join(2, "room-a", "p2", "be_game"))).isEqualTo("sticky");
            assertThat(decision(client, join(3, "room-a", "p3", "be_game"))).isEqualTo("sticky");
            for (String room : new String[] {"room-b", "room-c", "room-d"}) {
                assertThat(decision(client, join(4, room, "p1", "be_game"))).isEqualTo("placed");
            }
            assertThat(decision(client, join(5, "room-e", "p1", "be_game"))).isEqualTo("full");
            assertThat(decision(client, join(6, "bad room", "p1", "be_game"))).isEqualTo("rejected");
            client.send(join(7, "room-f", "p1", "be_nowhere"));
            assertThat(client.next()).isInstanceOf(Ack.class); // no decision: HAProxy hashes it

            PrometheusText during = PrometheusText.parse(body(scrape()));
            assertThat(during.value("room_router_spop_connections")).contains(1.0);
            assertThat(decisions(during, "placed")).isEqualTo(4.0);

            client.send(new HaproxyDisconnect(SpopStatus.NORMAL.code(), "bye"));
            assertThat(((AgentDisconnect) client.next()).status()).isEqualTo(SpopStatus.NORMAL);
            assertThat(client.awaitClosed(Duration.ofSeconds(5))).isTrue();
        }
        String answer = awaitNoConnection();
        assertThat(answer).startsWith("HTTP/1.1 200 ")
                .contains("\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\n");
        PrometheusText text = PrometheusText.parse(body(answer));

        assertThat(decisions(text, "placed")).isEqualTo(4.0);
        assertThat(decisions(text, "sticky")).isEqualTo(2.0);
        assertThat(decisions(text, "full")).isEqualTo(1.0);
        assertThat(decisions(text, "rejected")).isEqualTo(1.0);
        assertThat(decisions(text, "moved")).isZero();
        assertThat(decisions(text, "retry")).isZero();
        // Only backends the inventory knows are labels: be_nowhere is counted apart, and only once.
        assertThat(text.samples("room_router_decisions_total"))
                .allSatisfy(sample -> assertThat(sample.labels()).containsEntry("backend", "be_game"));
        assertThat(text.value("room_router_joins_unknown_backend_total")).contains(1.0);
        assertThat(text.value("room_router_decision_duration_seconds_count", "decision", "placed")).contains(4.0);
        assertThat(text.value("room_router_decision_duration_seconds_count", "decision", "sticky")).contains(2.0);
        assertThat(text.value("room_router_decision_duration_seconds_bucket", "decision", "placed", "le", "+Inf"))
                .contains(4.0);

        assertThat(text.value("room_router_rooms", "backend", "be_game")).contains(4.0);
        assertThat(text.value("room_router_rooms_reserving", "backend", "be_game")).contains(4.0);
        // Four rooms of 4 hold all 16 seats: no snapshot of a static inventory confirms an arrival.
        assertThat(heldSeats(text, "game1") + heldSeats(text, "game2")).isEqualTo(16.0);
        assertThat(heldSeats(text, "game1")).isEqualTo(8.0);
        assertThat(text.value("room_router_server_capacity", "backend", "be_game", "server", "game1")).contains(8.0);
        assertThat(text.value("room_router_server_state", "backend", "be_game", "server", "game2", "state", "UP"))
                .contains(1.0);

        assertThat(text.value("room_router_spop_connections")).contains(0.0);
        assertThat(frames(text, "haproxy_hello")).isEqualTo(1.0);
        assertThat(frames(text, "agent_hello")).isEqualTo(1.0);
        assertThat(frames(text, "notify")).isEqualTo(9.0);
        assertThat(frames(text, "ack")).isEqualTo(9.0);
        assertThat(frames(text, "haproxy_disconnect")).isEqualTo(1.0);
        assertThat(frames(text, "agent_disconnect")).isEqualTo(1.0);
        assertThat(text.value("room_router_spop_disconnects_total", "side", "haproxy", "status", "normal"))
                .contains(1.0);
        assertThat(text.value("room_router_spop_disconnects_total", "side", "agent", "status", "normal"))
                .contains(1.0);
        assertThat(text.value("room_router_decision_log_dropped_total")).contains(0.0);
        assertThat(text.value("jvm_memory_used_bytes", "area", "heap").orElseThrow()).isPositive();

        // A released room leaves the gauges at the next scrape.
        assertThat(raw("POST /release?backend=be_game&room=room-a HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ");
        PrometheusText after = PrometheusText.parse(body(scrape()));
        assertThat(after.value("room_router_rooms", "backend", "be_game")).contains(3.0);
        assertThat(heldSeats(after, "game1") + heldSeats(after, "game2")).isEqualTo(12.0);
    }

    @Test
    void followsRedisThroughAnOutageAndTheReconciliationAfter() throws Exception {
        try (RedisProcess redis = RedisProcess.start(Path.of("target", "redis-logs", "MetricsIT"));
                Agent shared = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                        "--servers", "be_game=game1,game2", "--server-capacity", "8", "--room-size", "4",
                        "--redis", redis.uri()));
                SpopClient client = SpopClient.ready(group, shared.spopAddress())) {
            assertThat(decision(client, join(1, "room-a", "p1", "be_game"))).isEqualTo("placed");
            assertThat(decision(client, join(2, "room-a", "p2", "be_game"))).isEqualTo("sticky");
            PrometheusText up = PrometheusText.parse(body(scrape(shared)));
            assertThat(up.value("room_router_redis_connected")).contains(1.0);
            assertThat(up.value("room_router_redis_answering")).contains(1.0);
            assertThat(up.value("room_router_redis_known_rooms")).contains(1.0);
            assertThat(up.value("room_router_redis_round_trip_seconds_count").orElseThrow()).isPositive();
            assertThat(up.value("room_router_redis_degraded_answers_total")).contains(0.0);
            assertThat(up.value("room_router_redis_dropped_touches_total")).contains(0.0);
            // Nonzero only if this machine held the agent's loop up as a join's bound came due.
            assertThat(up.value("room_router_redis_extended_bounds_total")).isPresent();
            // In-memory rooms and seats are not shown for a store that keeps them in Redis.
            assertThat(up.types()).doesNotContainKeys("room_router_rooms", "room_router_server_seats_held");

            redis.kill();
            awaitValue(shared, "room_router_redis_connected", 0);
            assertThat(decision(client, join(3, "room-b", "p1", "be_game"))).isEqualTo("retry");
            assertThat(decision(client, join(4, "room-a", "p3", "be_game"))).isEqualTo("sticky");
            // Joins are answered without calling Redis while it is away; a release calls it, and Lettuce rejects the
            // call at once. (Calls that were in flight at the kill count too, but whether one was is luck.)
            assertThat(raw(shared, "POST /release?backend=be_game&room=room-z HTTP/1.1\r\nHost: x\r\n\r\n"))
                    .startsWith("HTTP/1.1 503 ");
            PrometheusText down = PrometheusText.parse(body(scrape(shared)));
            assertThat(down.value("room_router_redis_answering")).contains(0.0);
            assertThat(down.value("room_router_redis_degraded_answers_total")).contains(2.0);
            assertThat(down.value("room_router_redis_unanswered_calls_total").orElseThrow()).isPositive();
            assertThat(down.value("room_router_redis_reconciliations_total")).contains(0.0);

            redis.restart(); // empty: it lost room-a, which the agent gives back to it
            PrometheusText back = awaitValue(shared, "room_router_redis_reconciliations_total", 1);
            assertThat(back.value("room_router_redis_reconciled_rooms_total", "outcome", "adopted")).contains(1.0);
            assertThat(back.value("room_router_redis_reconciled_rooms_total", "outcome", "kept")).contains(0.0);
            assertThat(back.value("room_router_redis_connected")).contains(1.0);
            assertThat(back.value("room_router_decisions_total", "backend", "be_game", "decision", "placed"))
                    .contains(1.0);
            assertThat(back.value("room_router_decisions_total", "backend", "be_game", "decision", "sticky"))
                    .contains(2.0);
            assertThat(back.value("room_router_decisions_total", "backend", "be_game", "decision", "retry"))
                    .contains(1.0);
        }
    }

    @Test
    void isAReadOnlyGet() throws Exception {
        assertThat(raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
                .startsWith("HTTP/1.1 405 ").contains("\r\nallow: GET\r\n");
        assertThat(raw("GET /metrics/ HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 404 ");
    }

    // Scrapes until the unlabelled sample {@code name} is {@code value}, for at most 15 s.
    private static PrometheusText awaitValue(Agent of, String name, double value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            PrometheusText text = PrometheusText.parse(body(scrape(of)));
            if (text.value(name).orElseThrow() == value || System.nanoTime() > deadline) {
                assertThat(text.value(name)).as(name).contains(value);
                return text;
            }
            Thread.sleep(50);
        }
    }

    // The session's close is seen by the server a moment after the client's: scrape until it is.
    private String awaitNoConnection() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            String answer = scrape();
            if (PrometheusText.parse(body(answer)).value("room_router_spop_connections").orElseThrow() == 0
                    || System.nanoTime() > deadline) {
                return answer;
            }
            Thread.sleep(20);
        }
    }

    private String scrape() throws Exception {
        return scrape(agent);
    }

    private static String scrape(Agent of) throws Exception {
        return raw(of, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    private String raw(String request) throws Exception {
        return raw(agent, request);
    }

    private static String raw(Agent of, String request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), of.adminAddress().orElseThrow()
                .getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String body(String answer) {
        assertThat(answer).startsWith("HTTP/1.1 200 ");
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }

    private static double decisions(PrometheusText text, String decision) {
        return text.value("room_router_decisions_total", "backend", "be_game", "decision", decision).orElseThrow();
    }

    private static double heldSeats(PrometheusText text, String server) {
        return text.value("room_router_server_seats_held", "backend", "be_game", "server", server).orElseThrow();
    }

    private static double frames(PrometheusText text, String type) {
        return text.value("room_router_spop_frames_total", "type", type).orElseThrow();
    }

    private static String decision(SpopClient client, Notify join) throws Exception {
        client.send(join);
        return HaproxySide.variable((Ack) client.next(), "decision")
                .orElseThrow(() -> new AssertionError("no decision"));
    }

    private static Notify join(long streamId, String room, String player, String backend) {
        return HaproxySide.roomJoin(streamId, backend, room, player);
    }
}
