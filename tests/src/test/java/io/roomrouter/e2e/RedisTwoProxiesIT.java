package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two HAProxy instances, each with its own agent, both agents sharing one Redis, the same three game servers behind
 * both: the players of a room come through either proxy, and the room still lives on one server.
 */
class RedisTwoProxiesIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");

    /** Capacity is not what these tests are about: every room's reserved seats fit, many times over. */
    private static Stack roomyStack(TestInfo test, RedisProcess redis, int roomSize)
            throws InterruptedException {
        return Stack.builder(TestLogs.dir(test)).proxies(2).redis(redis.uri())
                .agentArgs("--room-size", Integer.toString(roomSize))
                .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, 2000)))
                .start();
    }

    /** Player {@code p<player>} of room {@code <prefix><room>}, through one proxy or the other, alternating. */
    private static TimedCrowd.Route alternating(Stack stack, String prefix, int room, int player) {
        return new TimedCrowd.Route(stack.proxy((room + player) % 2).frontend(), new Join(prefix + room, "p" + player));
    }

    @Test
    void fiveHundredRoomsAlternatingBetweenProxiesStayWhole(TestInfo test) throws Exception {
        int rooms = 500;
        int players = 4;
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = roomyStack(test, redis, players);
                TimedCrowd crowd = new TimedCrowd(16)) {
            // Interleaved as lobbies fill: the first player of every room, then the second of every room...
            List<TimedCrowd.Route> routes = new ArrayList<>();
            for (int p = 1; p <= players; p++) {
                for (int r = 1; r <= rooms; r++) {
                    routes.add(alternating(stack, "room", r, p));
                }
            }
            long start = System.nanoTime();
            List<TimedCrowd.Timed> joined = crowd.join(routes, Crowd.Presence.LEAVE);
            long millis = (System.nanoTime() - start) / 1_000_000;
            RoomReport report = RoomReport.of(TimedCrowd.players(joined));
            TestLogs.report(test, report.summary() + "; " + routes.size() + " joins in " + millis + " ms through "
                    + stack.proxies() + ", slowest " + TimedCrowd.slowest(joined).toMillis() + " ms");
            TestLogs.report(test, "decisions: " + decisionCounts(joined) + "; rooms split: "
                    + report.splitRooms().size());
            report.splitRooms().forEach(r -> TestLogs.report(test, "split: " + r));

            assertThat(joined).allSatisfy(t -> assertThat(t.player().joined())
                    .as("%s via %s: %s", t.player(), t.via(), t.player().reply()).isTrue());
            assertThat(report.roomsPerServer().keySet()).containsExactlyElementsOf(SERVERS);
            assertEveryRoomWhole(report, joined, players);
        }
    }

    @Test
    void aThousandRoomsWhoseFirstPlayersArriveTogetherEachGetOneServer(TestInfo test) throws Exception {
        int rooms = 1000;
        int players = 5;
        int roomsPerBatch = 20;
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = roomyStack(test, redis, players);
                TimedCrowd crowd = new TimedCrowd(roomsPerBatch * players)) {
            List<TimedCrowd.Timed> joined = new ArrayList<>();
            long start = System.nanoTime();
            // A batch of rooms at a time, all five players of each room arriving at once through both proxies: the
            // race is within a room, the batches keep the two cores this machine has from drowning.
            for (int first = 1; first <= rooms; first += roomsPerBatch) {
                List<TimedCrowd.Route> batch = new ArrayList<>();
                for (int r = first; r < first + roomsPerBatch; r++) {
                    for (int p = 1; p <= players; p++) {
                        batch.add(alternating(stack, "race", r, p));
                    }
                }
                joined.addAll(crowd.joinTogether(batch, Crowd.Presence.LEAVE));
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            RoomReport report = RoomReport.of(TimedCrowd.players(joined));
            TestLogs.report(test, report.summary() + "; " + joined.size() + " joins in " + millis + " ms, slowest "
                    + TimedCrowd.slowest(joined).toMillis() + " ms");
            TestLogs.report(test, "decisions: " + decisionCounts(joined) + "; rooms split: "
                    + report.splitRooms().size());
            report.splitRooms().forEach(r -> TestLogs.report(test, "split: " + r));

            assertThat(joined).allSatisfy(t -> assertThat(t.player().joined())
                    .as("%s via %s: %s", t.player(), t.via(), t.player().reply()).isTrue());
            assertThat(report.rooms()).hasSize(rooms);
            assertEveryRoomWhole(report, joined, players);
        }
    }

    /**
     * Every room whole, decided by Redis alone: one placement, every other join sticky, one server. Redis is
     * healthy here, on a machine whose two cores it shares with both proxies, both agents and the players: no join
     * may be answered without it (a refused {@code retry}, or HAProxy's own hashing after its timeout).
     */
    private static void assertEveryRoomWhole(RoomReport report, List<TimedCrowd.Timed> joined, int players) {
        assertThat(decisionCounts(joined)).as("decisions").containsOnlyKeys("placed", "sticky");
        assertThat(report.splitRooms()).isEmpty();
        assertThat(report.rooms()).allSatisfy(room -> assertThat(room.decisions()).as("decisions of %s", room.room())
                .isEqualTo(Map.of("placed", 1L, "sticky", (long) players - 1)));
    }

    static Map<String, Long> decisionCounts(List<TimedCrowd.Timed> joined) {
        return joined.stream()
                .map(t -> t.player().decision().isEmpty() ? "none" : t.player().decision())
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
    }
}
