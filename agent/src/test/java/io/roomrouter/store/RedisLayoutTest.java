package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.ServerLoad;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedisLayoutTest {
    private final RedisLayout layout = new RedisLayout("rr");

    @Test
    void everyKeyOfOneStepCarriesTheBackendHashTag() {
        assertThat(layout.keys("be_game")).containsExactly(
                "rr:{be_game}:rooms", "rr:{be_game}:room", "rr:{be_game}:holds", "rr:{be_game}:seats",
                "rr:{be_game}:load", "rr:{be_game}:live", "rr:{be_game}:epoch");
        assertThat(layout.channel()).isEqualTo("rr:events");
    }

    @Test
    void serversGoToTheScriptInTheRoomsRendezvousOrder() {
        List<ServerStatus> servers = List.of(up("a"), up("b"), up("c"), up("d"), up("e"));
        for (String room : List.of("r1", "r2", "lobby-7", "x")) {
            List<ServerStatus> ordered = RedisLayout.rendezvousOrder(room, servers);
            for (int i = 1; i < ordered.size(); i++) {
                long before = RendezvousHash.weight(room, ordered.get(i - 1).name());
                long after = RendezvousHash.weight(room, ordered.get(i).name());
                assertThat(Long.compareUnsigned(before, after)).isPositive();
            }
            // Equal loads: the script takes the first fitting server, which is the policy's tie-break.
            String policy = PlacementPolicy.choose(room, 2, servers.stream().map(s -> new ServerLoad(s, 0)).toList())
                    .orElseThrow()
                    .name();
            assertThat(ordered.get(0).name()).isEqualTo(policy);
        }
    }

    @Test
    void joinArgumentsCarryTheRequestLifetimesAndServers() {
        BackendSnapshot snapshot = new BackendSnapshot(
                "be", List.of(up("s1"), new ServerStatus("s2", ServerState.DRAIN, 7, 3)), 0);
        String[] args = layout.joinArgs(new JoinRequest("r1", "be", 4, Optional.empty()), snapshot, 1000,
                new RoomLifetimes(Duration.ofSeconds(30), Duration.ofMinutes(5)));
        assertThat(Arrays.asList(args).subList(0, 9))
                .containsExactly("join", "be", "rr:events", "1000", "r1", "4", "", "30000", "300000");
        assertThat(Arrays.asList(args).subList(9, 15)).containsExactlyInAnyOrder("s1", "UP", "10", "s2", "DRAIN", "7");
        assertThat(args).hasSize(15);
    }

    @Test
    void playersAreKeptAsTheHexOfTheirHashCodeWithoutSpaces() {
        String[] args = layout.joinArgs(new JoinRequest("r1", "be", 4, Optional.of("player one")),
                new BackendSnapshot("be", List.of(up("s1")), 0), 1000,
                new RoomLifetimes(Duration.ofSeconds(30), Duration.ofMinutes(5)));
        assertThat(args[6]).isEqualTo(Integer.toHexString("player one".hashCode())).doesNotContain(" ");
        assertThat(RedisLayout.playerHash("")).isEmpty();
    }

    @Test
    void liveEntryListsEveryServerWithStateAndConnections() {
        BackendSnapshot snapshot = new BackendSnapshot(
                "be", List.of(new ServerStatus("s1", ServerState.UP, 10, 4), new ServerStatus("s2", ServerState.MAINT, 10, 0)), 0);
        assertThat(RedisLayout.liveEntry(snapshot, 1234)).isEqualTo("1234 s1:UP:4 s2:MAINT:0");
    }

    @Test
    void degradedPlacementIsTheRendezvousPickAmongUpServers() {
        BackendSnapshot snapshot = new BackendSnapshot("be",
                List.of(up("s1"), up("s2"), new ServerStatus("s3", ServerState.DOWN, 10, 0), up("s4")), 0);
        for (String room : List.of("r1", "r2", "r3", "r4", "r5")) {
            Placement placement = RedisRoomStore.rendezvous(room, snapshot, "redis unavailable");
            assertThat(placement.decision()).isEqualTo(Decision.DEGRADED);
            assertThat(placement.server()).isEqualTo(RendezvousHash.pick(room, List.of("s1", "s2", "s4")));
        }
        BackendSnapshot noneUp = new BackendSnapshot("be", List.of(new ServerStatus("s3", ServerState.DOWN, 10, 0)), 0);
        assertThat(RedisRoomStore.rendezvous("r1", noneUp, "redis unavailable").decision()).isEqualTo(Decision.FULL);
    }

    private static ServerStatus up(String name) {
        return new ServerStatus(name, ServerState.UP, 10, 0);
    }
}
