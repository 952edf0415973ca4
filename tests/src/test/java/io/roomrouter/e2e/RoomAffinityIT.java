package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Every player of a room lands on the room's one server, and new rooms spread evenly. */
class RoomAffinityIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");

    /** Capacity is not what this test is about: 200 filling rooms hold 2000 seats, more than 3 x maxconn 100. */
    private static Stack roomyStack(TestInfo test) throws InterruptedException {
        return Stack.builder(TestLogs.dir(test))
                .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, 1000)))
                .start();
    }

    @Test
    void twoHundredRoomsJoiningInterleavedStayWhole(TestInfo test) throws Exception {
        try (Stack stack = roomyStack(test);
                Crowd crowd = new Crowd(stack.frontend(), 16)) {
            List<Player> players = crowd.join(Join.interleaved("room", 200, 10), Crowd.Presence.LEAVE);
            RoomReport report = RoomReport.of(players);
            TestLogs.report(test, report.summary());
            report.splitRooms().forEach(r -> TestLogs.report(test, "split: " + r));

            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(report.splitRooms()).isEmpty();
            assertThat(report.roomsPerServer().keySet()).containsExactlyElementsOf(SERVERS);
            assertThat(report.spread(SERVERS)).as("most minus fewest rooms per server, %s", report.roomsPerServer())
                    .isLessThanOrEqualTo(1);
            assertThat(report.rooms()).allSatisfy(room -> assertThat(room.decisions())
                    .as("decisions of %s", room.room())
                    .isEqualTo(Map.of("placed", 1L, "sticky", 9L)));
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
