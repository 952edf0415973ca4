package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.ServerLoad;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
    void eachJoinCarriesItsRoomsRendezvousOrderAsPositionsInTheServerList() {
        List<ServerStatus> servers = List.of(up("a"), up("b"), up("c"), up("d"), up("e"));
        for (String room : List.of("r1", "r2", "lobby-7", "x")) {
            String[] positions = RedisLayout.rendezvousPositions(room, servers).split(" ", -1);
            assertThat(positions).hasSize(servers.size());
            assertThat(Arrays.stream(positions).map(Integer::valueOf)).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
            for (int i = 1; i < positions.length; i++) {
                long before = RendezvousHash.weight(room, servers.get(Integer.parseInt(positions[i - 1]) - 1).name());
                long after = RendezvousHash.weight(room, servers.get(Integer.parseInt(positions[i]) - 1).name());
                assertThat(Long.compareUnsigned(before, after)).isPositive();
            }
            // Equal loads: the script takes the first fitting server, which is the policy's tie-break.
            String policy = PlacementPolicy.choose(room, 2, servers.stream().map(s -> new ServerLoad(s, 0)).toList())
                    .orElseThrow()
                    .name();
            assertThat(servers.get(Integer.parseInt(positions[0]) - 1).name()).isEqualTo(policy);
        }
        assertThat(RedisLayout.rendezvousPositions("r1", List.of())).isEmpty();
    }

    @Test
    void aBatchStepCarriesTheLifetimesAndTheServersOnce() {
        List<ServerStatus> servers = List.of(up("s1"), new ServerStatus("s2", ServerState.DRAIN, 7, 3));
        RoomLifetimes lifetimes =
                new RoomLifetimes(Duration.ofSeconds(30), Duration.ofSeconds(7), Duration.ofMinutes(5));
        List<String> args = layout.batchHead("be", 1000, lifetimes, servers, Integer.MAX_VALUE);
        assertThat(args).containsExactly(
                "batch", "be", "rr:events", "1000", "30000", "7000", "300000", "2", "s1", "UP", "10", "s2", "DRAIN",
                "7",
                String.valueOf(Integer.MAX_VALUE));
    }

    @Test
    void playersAreKeptAsTheHexOfTheirHashCodeWithoutSpaces() {
        assertThat(RedisLayout.playerHash("player one"))
                .isEqualTo(Integer.toHexString("player one".hashCode()))
                .doesNotContain(" ");
        assertThat(RedisLayout.playerHash("")).isEmpty();
    }

    @Test
    void liveEntryListsEveryServerWithStateAndConnections() {
        BackendSnapshot snapshot = new BackendSnapshot(
                "be", List.of(new ServerStatus("s1", ServerState.UP, 10, 4), new ServerStatus("s2", ServerState.MAINT, 10, 0)), 0);
        assertThat(RedisLayout.liveEntry(snapshot, 1234)).isEqualTo("1234 s1:UP:4 s2:MAINT:0");
    }

    private static ServerStatus up(String name) {
        return new ServerStatus(name, ServerState.UP, 10, 0);
    }
}
