package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Operators change servers through HAProxy's runtime API; rooms move only when their server goes away. */
class ServerChangesIT {

    private static final int ROOMS = 12;

    /** Twelve rooms of three players each (rooms of 10 still filling), players gone again; room to server. */
    private static Map<String, String> placeRooms(Crowd crowd) throws InterruptedException {
        RoomReport report = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 1, 3), Crowd.Presence.LEAVE));
        assertThat(report.splitRooms()).isEmpty();
        assertThat(report.rooms()).allSatisfy(r -> assertThat(r.joined()).isEqualTo(3));
        return report.rooms().stream().collect(Collectors.toMap(RoomReport.Room::room, RoomReport.Room::home));
    }

    private static List<String> roomsOn(Map<String, String> homes, String server) {
        return homes.entrySet().stream().filter(e -> e.getValue().equals(server)).map(Map.Entry::getKey).toList();
    }

    @Test
    void maintenanceMovesRoomsAtTheirNextJoinAndKeepsThemTogether(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            Map<String, String> before = placeRooms(crowd);
            List<String> onGame1 = roomsOn(before, "game1");
            assertThat(onGame1).isNotEmpty();

            stack.runtimeApi().setState(GAME_BACKEND, "game1", "maint");
            stack.awaitInventoryRefresh();
            RoomReport after = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 4, 8), Crowd.Presence.LEAVE));
            TestLogs.report(test, "game1 in maintenance: rooms moved " + onGame1.size() + ", after: "
                    + after.summary());

            assertThat(after.splitRooms()).isEmpty();
            for (RoomReport.Room room : after.rooms()) {
                if (onGame1.contains(room.room())) {
                    assertThat(room.home()).as("new home of %s", room.room()).isNotEqualTo("game1").isNotEmpty();
                    assertThat(room.decisions()).as("decisions of %s", room.room())
                            .isEqualTo(Map.of("moved", 1L, "sticky", 4L));
                } else {
                    assertThat(room.home()).as("home of %s", room.room()).isEqualTo(before.get(room.room()));
                    assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 5L));
                }
            }
        }
    }

    @Test
    void aServerHaproxySeesFailBeforeTheAgentDoesSplitsNoRoom(TestInfo test) throws Exception {
        // The agent reads the runtime API only every 20 s here: for the first part, only HAProxy knows.
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .agentArgs("--refresh-interval", "20s")
                        .start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            Map<String, String> before = placeRooms(crowd);
            List<String> onGame1 = roomsOn(before, "game1");
            assertThat(onGame1).isNotEmpty();

            stack.runtimeApi().setState(GAME_BACKEND, "game1", "maint");
            RoomReport unseen = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 4, 6), Crowd.Presence.LEAVE));
            boolean agentSawItMeanwhile = stack.agent().log().stream().anyMatch(line -> line.contains("game1 UP -> MAINT"));
            assertThat(stack.agent().awaitLine(line -> line.contains("game1 UP -> MAINT"), Duration.ofSeconds(30)))
                    .as("the agent's next look at the runtime API").isPresent();
            RoomReport seen = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 7, 9), Crowd.Presence.LEAVE));
            TestLogs.report(test, "game1 in maintenance, unseen by the agent: " + unseen.summary()
                    + "; seen: " + seen.summary());

            assertThat(agentSawItMeanwhile).as("the agent saw game1 fail before the first joins ended").isFalse();
            for (String room : onGame1) {
                RoomReport.Room first = unseen.room(room);
                RoomReport.Room then = seen.room(room);
                // HAProxy skipped game1 for the agent's fallback; the agent then moved the room to that very server.
                assertThat(first.decisions()).as("decisions of %s while unseen", room).isEqualTo(Map.of("sticky", 3L));
                assertThat(then.decisions()).as("decisions of %s once seen", room)
                        .isEqualTo(Map.of("moved", 1L, "sticky", 2L));
                assertThat(first.servers()).as("servers of %s while unseen", room).hasSize(1).doesNotContain("game1");
                assertThat(then.servers()).as("servers of %s once seen", room).isEqualTo(first.servers());
            }
            assertThat(unseen.splitRooms()).isEmpty();
            assertThat(seen.splitRooms()).isEmpty();
        }
    }

    @Test
    void drainKeepsItsRoomsAndTakesNoNewOnes(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            Map<String, String> before = placeRooms(crowd);
            assertThat(roomsOn(before, "game2")).isNotEmpty();

            stack.runtimeApi().setState(GAME_BACKEND, "game2", "drain");
            stack.awaitInventoryRefresh();
            RoomReport old = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 4, 6), Crowd.Presence.LEAVE));
            RoomReport fresh = RoomReport.of(crowd.join(Join.interleaved("new", ROOMS, 1, 3), Crowd.Presence.LEAVE));
            TestLogs.report(test, "game2 draining: old rooms " + old.roomsPerServer() + ", new rooms "
                    + fresh.summary());

            assertThat(old.splitRooms()).isEmpty();
            assertThat(old.rooms()).allSatisfy(room -> {
                assertThat(room.home()).as("home of %s", room.room()).isEqualTo(before.get(room.room()));
                assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 3L));
            });
            assertThat(fresh.splitRooms()).isEmpty();
            assertThat(fresh.roomsPerServer()).containsOnlyKeys("game1", "game3");
        }
    }

    @Test
    void serverAddedAtRuntimeTakesNewRoomsWhileNoRoomMoves(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            Map<String, String> before = placeRooms(crowd);

            GameServer game4 = stack.gameServers().add("game4");
            stack.runtimeApi().addServer(GAME_BACKEND, "game4", HostPort.format(game4.address()), "maxconn 100");
            stack.awaitInventoryRefresh();
            RoomReport old = RoomReport.of(crowd.join(Join.interleaved("room", ROOMS, 4, 6), Crowd.Presence.LEAVE));
            RoomReport fresh = RoomReport.of(crowd.join(Join.interleaved("new", 4, 1, 3), Crowd.Presence.LEAVE));
            TestLogs.report(test, "game4 added: old rooms " + old.roomsPerServer() + ", new rooms "
                    + fresh.summary());

            assertThat(old.splitRooms()).isEmpty();
            assertThat(old.rooms()).allSatisfy(room -> {
                assertThat(room.home()).as("home of %s", room.room()).isEqualTo(before.get(room.room()));
                assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 3L));
            });
            assertThat(fresh.splitRooms()).isEmpty();
            assertThat(fresh.roomsPerServer()).as("game4 is the least loaded").containsKey("game4");
        }
    }
}
