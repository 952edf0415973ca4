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
            // "a" is too busy for a room of 10: the fallback skips it when it ranks first.
            List<ServerLoad> before = names.stream()
                    .map(n -> load(n, ServerState.UP, 100, n.equals("a") ? 95 : 20, 0))
                    .toList();
            String fallback = PlacementPolicy.fallback(room, home, 10, before).orElseThrow();

            List<ServerLoad> after = before.stream()
                    .map(s -> s.name().equals(home) ? load(home, ServerState.DOWN, 100, 0, 0) : s)
                    .toList();
            assertThat(fallback).isNotEqualTo(home).isNotEqualTo("a");
            assertThat(PlacementPolicy.chooseSuccessor(room, 10, after)).map(ServerLoad::name).contains(fallback);
        }
    }

    @Test
    void theSuccessorIsTheNextRankedServerWhereTheRoomFits() {
        String room = "r1";
        List<String> ranked = ranked(room, "a", "b", "c");
        List<ServerLoad> servers = List.of(
                load(ranked.get(0), ServerState.UP, 100, 95, 0), // ranks first, but 95 + 10 > 100
                load(ranked.get(1), ServerState.MAINT, 100, 0, 0),
                load(ranked.get(2), ServerState.UP, 100, 50, 0));

        assertThat(PlacementPolicy.chooseSuccessor(room, 10, servers)).map(ServerLoad::name).contains(ranked.get(2));
        assertThat(PlacementPolicy.chooseSuccessor(room, 60, servers)).isEmpty();
    }

    @Test
    void whereTheRoomFitsNowhereElseTheFallbackIsTheHighestRankedUpServer() {
        String room = "r1";
        List<String> ranked = ranked(room, "a", "b", "c", "d");
        List<ServerLoad> servers = List.of(
                load(ranked.get(0), ServerState.UP, 100, 0, 0), // the room's own server
                load(ranked.get(1), ServerState.DRAIN, 100, 0, 0),
                load(ranked.get(2), ServerState.UP, 100, 99, 0),
                load(ranked.get(3), ServerState.UP, 100, 98, 0));

        assertThat(PlacementPolicy.fallback(room, ranked.get(0), 10, servers)).contains(ranked.get(2));
        assertThat(PlacementPolicy.fallback(room, ranked.get(0), 1, servers)).contains(ranked.get(2));
        assertThat(PlacementPolicy.fallback(room, ranked.get(0), 2, servers)).contains(ranked.get(3));
        assertThat(PlacementPolicy.fallback(room, ranked.get(2), 10, servers.subList(0, 3)))
                .as("no other UP server").contains(ranked.get(0));
        assertThat(PlacementPolicy.fallback(room, ranked.get(0), 10, servers.subList(0, 2))).isEmpty();
    }

    @Test
    void theUsualFallbackIsTheOtherUpServerRankedHighestWhateverTheLoads() {
        String room = "room-7";
        List<String> ranked = ranked(room, "a", "b", "c", "d");
        List<ServerStatus> servers = List.of(
                new ServerStatus(ranked.get(0), ServerState.UP, 10, 0),
                new ServerStatus(ranked.get(1), ServerState.DOWN, 10, 0),
                new ServerStatus(ranked.get(2), ServerState.UP, 10, 10), // full: loads do not count here
                new ServerStatus(ranked.get(3), ServerState.UP, 10, 0));

        assertThat(PlacementPolicy.usualFallback(room, ranked.get(0), servers)).contains(ranked.get(2));
        assertThat(PlacementPolicy.usualFallback(room, ranked.get(2), servers)).contains(ranked.get(0));
        assertThat(PlacementPolicy.usualFallback(room, ranked.get(0), servers.subList(0, 2))).isEmpty();
    }

    /** The servers in the room's rendezvous order, highest first. */
    private static List<String> ranked(String room, String... servers) {
        List<String> ranked = new ArrayList<>(List.of(servers));
        ranked.sort((x, y) -> Long.compareUnsigned(RendezvousHash.weight(room, y), RendezvousHash.weight(room, x)));
        return ranked;
    }

    private static ServerLoad load(String name, ServerState state, int capacity, int live, int held) {
        return new ServerLoad(new ServerStatus(name, state, capacity, live), held);
    }
}
