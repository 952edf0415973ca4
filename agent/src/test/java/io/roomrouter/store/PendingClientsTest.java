package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

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
        clients.opened("c", 1_000);
        clients.cancel("c", 1_000);
        assertThat(clients.pending("c", 1_000)).isEqualTo(1);
        assertThat(clients.pending("c", 60_999)).isEqualTo(1);
        assertThat(clients.pending("c", 61_000)).isZero();
        clients.forgetIdle(61_000);
        assertThat(clients.clients()).isZero();
    }
}
