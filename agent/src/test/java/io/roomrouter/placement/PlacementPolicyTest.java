package io.roomrouter.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
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

    @Test
    void aMovedRoomGoesToTheFallbackNamedBeforeItsServerFailed() {
        List<String> names = List.of("a", "b", "c", "d");
        for (String room : List.of("r1", "r2", "r3", "r4", "r5", "lobby-42")) {
            String home = RendezvousHash.pick(room, names).orElseThrow();
            List<ServerStatus> before = names.stream()
                    .map(n -> new ServerStatus(n, ServerState.UP, 100, n.equals("a") ? 90 : 0))
                    .toList();
            String fallback = PlacementPolicy.fallback(room, home, before).orElseThrow();

            // The home server fails; the fallback is the successor whatever the loads, as long as the room fits.
            List<ServerLoad> after = before.stream()
                    .map(s -> new ServerLoad(s.name().equals(home)
                            ? new ServerStatus(home, ServerState.DOWN, 100, 0) : s, 0))
                    .toList();
            assertThat(fallback).isNotEqualTo(home);
            assertThat(PlacementPolicy.chooseSuccessor(room, 10, after)).map(ServerLoad::name).contains(fallback);
        }
    }

    @Test
    void theSuccessorIsTheNextRankedServerWhereTheRoomFits() {
        String room = "r1";
        List<String> ranked = new ArrayList<>(List.of("a", "b", "c"));
        ranked.sort((x, y) -> Long.compareUnsigned(RendezvousHash.weight(room, y), RendezvousHash.weight(room, x)));
        List<ServerLoad> servers = List.of(
                load(ranked.get(0), ServerState.UP, 100, 95, 0), // ranks first, but 95 + 10 > 100
                load(ranked.get(1), ServerState.MAINT, 100, 0, 0),
                load(ranked.get(2), ServerState.UP, 100, 50, 0));

        assertThat(PlacementPolicy.chooseSuccessor(room, 10, servers)).map(ServerLoad::name).contains(ranked.get(2));
        assertThat(PlacementPolicy.chooseSuccessor(room, 60, servers)).isEmpty();
    }

    @Test
    void theFallbackIsAnotherUpServerOrNone() {
        List<ServerStatus> servers = List.of(
                new ServerStatus("a", ServerState.UP, 100, 0),
                new ServerStatus("b", ServerState.DRAIN, 100, 0),
                new ServerStatus("c", ServerState.DOWN, 100, 0));

        assertThat(PlacementPolicy.fallback("r1", "b", servers)).contains("a");
        assertThat(PlacementPolicy.fallback("r1", "a", servers)).isEmpty();
    }

    private static ServerLoad load(String name, ServerState state, int capacity, int live, int held) {
        return new ServerLoad(new ServerStatus(name, state, capacity, live), held);
    }
}
