package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.store.RedisRoomCache.RoomId;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingClientsTest {
    private final PendingClients clients = new PendingClients(2, 60_000);

    @Test
    void joinsInFlightCountSoThatABurstCannotPassTheBound() {
        assertThat(clients.tryTake("c", 0)).isTrue();
        assertThat(clients.tryTake("c", 0)).isTrue();
        assertThat(clients.tryTake("c", 0)).isFalse();
        assertThat(clients.tryTake("d", 0)).isTrue();
    }

    @Test
    void anOpenedRoomCountsUntilItsWindowEndsAndACancelledJoinNot() {
        clients.tryTake("c", 0);
        clients.tryTake("c", 0);
        clients.opened("c", room("r1"), "7", 1_000);
        clients.cancel("c", 1_000);
        assertThat(clients.pending("c", 1_000)).isEqualTo(1);
        assertThat(clients.pending("c", 60_999)).isEqualTo(1);
        assertThat(clients.pending("c", 61_000)).isZero();
        assertThat(clients.nextToCheck(10, 61_000)).as("nothing left to ask about").isEmpty();
        clients.forgetIdle(61_000);
        assertThat(clients.clients()).isZero();
    }

    @Test
    void aRoomRedisSaysNoLongerWaitsStopsCountingAtOnce() {
        clients.tryTake("c", 0);
        clients.opened("c", room("r1"), "7", 0);
        clients.tryTake("c", 0);
        clients.opened("c", room("r2"), "8", 0);
        assertThat(clients.tryTake("c", 10)).isFalse();

        PendingClients.HeldRoom first = clients.nextToCheck(1, 10).get(0);
        assertThat(first.id()).isEqualTo(room("r1"));
        assertThat(first.epoch()).isEqualTo("7");
        clients.settled(first);
        clients.settled(first); // a second answer about it changes nothing
        assertThat(clients.pending("c", 10)).isEqualTo(1);
        assertThat(clients.tryTake("c", 10)).isTrue();
    }

    @Test
    void checksTakeEveryRoomInTurnAndSkipSettledOnes() {
        PendingClients many = new PendingClients(10, 60_000);
        for (String name : List.of("r1", "r2", "r3")) {
            many.tryTake("c", 0);
            many.opened("c", room(name), "1", 0);
        }
        assertThat(ids(many.nextToCheck(2, 10))).containsExactly("r1", "r2");
        List<PendingClients.HeldRoom> next = many.nextToCheck(2, 10);
        assertThat(ids(next)).containsExactly("r3", "r1");
        many.settled(next.get(1));
        assertThat(ids(many.nextToCheck(5, 10))).containsExactly("r2", "r3");
        many.settled(many.nextToCheck(5, 10).get(0));
        many.settled(many.nextToCheck(5, 10).get(0));
        assertThat(many.pending("c", 10)).isZero();
        assertThat(many.clients()).as("a client that holds nothing is forgotten").isZero();
    }

    private static RoomId room(String name) {
        return new RoomId("be_game", name);
    }

    private static List<String> ids(List<PendingClients.HeldRoom> rooms) {
        return rooms.stream().map(room -> room.id().room()).toList();
    }
}
