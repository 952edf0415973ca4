package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.Player;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two proxies sharing Redis share each server's capacity: the agents add up the connections both HAProxys hold, so
 * no server takes more players than its maxconn counting both, and a room that fits nowhere is refused by either.
 */
class RedisCapacityIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    private static final int CAP = 50;
    /** As a client honouring the reference configuration's {@code Retry-After}, sooner so that tests stay short. */
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5));

    @Test
    void noServerTakesMoreThanItsCapCountingBothProxies(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = Stack.builder(TestLogs.dir(test)).proxies(2).redis(redis.uri())
                        .agentArgs("--room-size", "10")
                        .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, CAP)))
                        .start();
                TimedCrowd crowd = new TimedCrowd(16)) {
            // Rooms fill in waves of three, a refresh apart, each room's players alternating between the proxies:
            // a new player counts as a held seat until the agent that saw it confirms it as a live connection.
            List<RetriedJoin> joined = new ArrayList<>();
            for (int wave = 0; wave < 5; wave++) {
                List<TimedCrowd.Route> routes = new ArrayList<>();
                for (int r = 3 * wave + 1; r <= 3 * wave + 3; r++) {
                    for (int p = 1; p <= 10; p++) {
                        routes.add(new TimedCrowd.Route(stack.proxy((r + p) % 2).frontend(),
                                new Join("cap" + r, "p" + p)));
                    }
                }
                // A join the shared CPU delayed past its bound is refused for a retry, which the player makes.
                joined.addAll(crowd.joinRetrying(routes, Crowd.Presence.STAY, RETRYING));
                stack.awaitInventoryRefresh();
            }
            RoomReport report = RoomReport.of(FailoverJoins.players(joined));
            Map<String, Integer> sessions = stack.currentSessions(GAME_BACKEND);
            TestLogs.report(test, report.summary());
            TestLogs.report(test, "connections per server, both proxies: " + sessions + " (cap " + CAP + "); "
                    + stack.proxy(0) + " " + stack.proxy(0).runtimeApi().currentSessions(GAME_BACKEND) + ", "
                    + stack.proxy(1) + " " + stack.proxy(1).runtimeApi().currentSessions(GAME_BACKEND));

            assertThat(joined).allSatisfy(j -> assertThat(j.player().joined())
                    .as("%s via %s: %s", j.player(), j.route().via(), j.player().reply()).isTrue());
            assertThat(report.splitRooms()).isEmpty();
            assertThat(sessions).containsOnlyKeys(SERVERS).allSatisfy((server, open) ->
                    assertThat(open).as("connections to %s through both proxies", server).isLessThanOrEqualTo(CAP));
            assertThat(report.roomsPerServer()).isEqualTo(Map.of("game1", 5, "game2", 5, "game3", 5));

            // 150 players hold all 3 x 50 seats: a new room is full, whichever proxy its player comes through.
            for (Stack.Proxy proxy : stack.proxies()) {
                String room = "late-" + proxy;
                Player late = Player.join(proxy.frontend(), room, "p1");
                late.close();
                TestLogs.report(test, room + " via " + proxy + ": " + late.reply().status() + " "
                        + late.reply().body().strip());
                assertThat(late.joined()).as("%s: %s", room, late.reply()).isFalse();
                assertThat(late.reply().status()).isEqualTo(503);
                assertThat(late.decision()).isEqualTo("full");
            }
            assertThat(stack.currentSessions(GAME_BACKEND)).allSatisfy((server, open) ->
                    assertThat(open).as("connections to %s after the refusals", server).isLessThanOrEqualTo(CAP));
        }
    }
}
