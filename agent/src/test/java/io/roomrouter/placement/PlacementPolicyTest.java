package io.roomrouter.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementPolicyTest {

    @Test
    void choosesTheLowestLoadRelativeToCapacity() {
        List<ServerLoad> servers = List.of(
                load("big", ServerState.UP, 200, 60, 0), // 30%
                load("small", ServerState.UP, 50, 10, 10)); // 40%

        assertThat(PlacementPolicy.choose("r1", 10, servers)).map(ServerLoad::name).contains("big");
    }

    @Test
    void countsHeldSeatsAsLoadAndNeedsRoomForTheWholeRoom() {
        List<ServerLoad> servers = List.of(
                load("a", ServerState.UP, 100, 85, 6), // 91 + 10 > 100
                load("b", ServerState.UP, 100, 80, 10)); // 90 + 10 = 100 fits

        assertThat(PlacementPolicy.choose("r1", 10, servers)).map(ServerLoad::name).contains("b");
        assertThat(PlacementPolicy.choose("r1", 11, servers)).isEmpty();
    }

    @Test
    void onlyUpServersTakeNewRooms() {
        List<ServerLoad> servers = List.of(
                load("drain", ServerState.DRAIN, 100, 0, 0),
                load("down", ServerState.DOWN, 100, 0, 0),
                load("maint", ServerState.MAINT, 100, 0, 0));

        assertThat(PlacementPolicy.choose("r1", 1, servers)).isEmpty();
    }

    @Test
    void tiesGoWhereTheRoomsRendezvousHashRanksHighest() {
        List<ServerLoad> servers = List.of(
                load("a", ServerState.UP, 100, 0, 0),
                load("b", ServerState.UP, 100, 0, 0),
                load("c", ServerState.UP, 100, 0, 0));

        for (String room : List.of("r1", "r2", "r3", "lobby-42")) {
            String expected = RendezvousHash.pick(room, List.of("a", "b", "c")).orElseThrow();
            assertThat(PlacementPolicy.choose(room, 10, servers)).map(ServerLoad::name).contains(expected);
            assertThat(PlacementPolicy.choose(room, 10, List.of(servers.get(2), servers.get(0), servers.get(1))))
                    .map(ServerLoad::name)
                    .contains(expected);
        }
    }

    private static ServerLoad load(String name, ServerState state, int capacity, int live, int held) {
        return new ServerLoad(new ServerStatus(name, state, capacity, live), held);
    }
}
