package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Every player of a room lands on the room's one server, and new rooms spread evenly. */
class RoomAffinityIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");

    /** As a client honouring the reference configuration's {@code Retry-After}, sooner so that tests stay short. */
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5));
    /** At most one attempt in this many refused for a retry: none in most runs, 2 of 2 000 beside two builds. */
    private static final int MOST_JOINS_PER_RETRY = 20;

    /** Capacity is not what this test is about: 200 filling rooms hold 2000 seats, more than 3 x maxconn 100. */
    private static Stack roomyStack(TestInfo test) throws InterruptedException {
        return Stack.builder(TestLogs.dir(test))
                .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, 1000)))
                .start();
    }

    @Test
    void twoHundredRoomsJoiningInterleavedStayWhole(TestInfo test) throws Exception {
        try (Stack stack = roomyStack(test);
                TimedCrowd crowd = new TimedCrowd(16)) {
            List<TimedCrowd.Route> routes = Join.interleaved("room", 200, 10).stream()
                    .map(join -> new TimedCrowd.Route(stack.frontend(), join)).toList();
            List<RetriedJoin> joins = crowd.joinRetrying(routes, Crowd.Presence.LEAVE, RETRYING);
            List<Player> players = FailoverJoins.players(joins);
            RoomReport report = RoomReport.of(players);
            TestLogs.report(test, report.summary() + "; attempts " + FailoverJoins.decisions(joins));
            report.splitRooms().forEach(r -> TestLogs.report(test, "split: " + r));

            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(report.splitRooms()).isEmpty();
            assertThat(report.roomsPerServer().keySet()).containsExactlyElementsOf(SERVERS);
            assertThat(report.spread(SERVERS)).as("most minus fewest rooms per server, %s", report.roomsPerServer())
                    .isLessThanOrEqualTo(1);
            // A join the shared CPU delayed past HAProxy's timeout processing is refused for a retry (the agent may
            // still place its room, so hashing it could split the room); its player retries. Such refusals stay
            // rare, and a first join refused so leaves its room with no placed answer, all its players sticky.
            assertThat(FailoverJoins.decisions(joins).keySet()).as("attempts")
                    .isSubsetOf("placed", "sticky", JoinAttempt.RETRY);
            assertThat(joins.stream().mapToInt(RetriedJoin::retries).sum()).as("attempts refused for a retry")
                    .isLessThanOrEqualTo(joins.size() / MOST_JOINS_PER_RETRY);
            assertThat(report.rooms()).allSatisfy(room -> assertThat(room.decisions())
                    .as("decisions of %s", room.room())
                    .isIn(Map.of("placed", 1L, "sticky", 9L), Map.of("sticky", 10L)));
        }
    }

    @Test
    void pollingPlayersJoinTheirRoomsServer(TestInfo test) throws Exception {
        try (Stack stack = roomyStack(test);
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            List<Player> players = crowd.join(Join.interleaved("mixed", 12, 3), Crowd.Presence.LEAVE);
            RoomReport report = RoomReport.of(players);
            for (RoomReport.Room room : report.rooms()) {
                HttpReply poll = Player.poll(stack.frontend(), room.room(), "poller");
                assertThat(poll.status()).as("poll of %s: %s", room.room(), poll).isEqualTo(200);
                assertThat(poll.header(GameServer.SERVER_HEADER)).as("poll of %s", room.room()).contains(room.home());
                assertThat(poll.header("X-Room-Decision")).as("poll of %s", room.room()).contains("sticky");
            }
            TestLogs.report(test, "12 rooms joined over WebSocket then polled: " + report.roomsPerServer());
        }
    }
}
