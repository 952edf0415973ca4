package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory store's bounds on new rooms, and its arrival records with a static inventory. */
class MemoryRoomBoundsTest {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(30));

    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void aClientPastItsBoundOfWaitingRoomsIsRejectedForANewRoomOnly() {
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES, new RoomBounds(4, 1000), now::get);
        BackendSnapshot servers = snapshot(up("game1"), up("game2"), up("game3"));
        for (int i = 0; i < 4; i++) {
            assertThat(join(store, "r" + i, "p0", "1.2.3.4", servers).decision()).isEqualTo(Decision.PLACED);
        }

        Placement fifth = join(store, "r4", "p0", "1.2.3.4", servers);
        Placement other = join(store, "r5", "p0", "5.6.7.8", servers);
        Placement existing = join(store, "r0", "p1", "1.2.3.4", servers);

        assertThat(fifth.decision()).isEqualTo(Decision.REJECTED);
        assertThat(fifth.reason()).contains("at most 4").doesNotContain("game");
        assertThat(other.decision()).isEqualTo(Decision.PLACED);
        assertThat(existing.decision()).isEqualTo(Decision.STICKY);
        assertThat(store.pendingRooms(BE, "1.2.3.4")).isEqualTo(4);
        assertThat(store.roomCount(BE)).isEqualTo(5);
    }

    @Test
    void aRoomStopsCountingAgainstItsClientOnceFullOrItsWindowEndsOrItEnds() {
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES, new RoomBounds(2, 1000), now::get);
        BackendSnapshot servers = snapshot(up("game1"));
        join(store, "full", "p0", "c", servers);
        join(store, "released", "p0", "c", servers);
        assertThat(join(store, "third", "p0", "c", servers).decision()).isEqualTo(Decision.REJECTED);

        for (int p = 1; p < 10; p++) {
            join(store, "full", "p" + p, "someone-else", servers); // every seat claimed
        }
        assertThat(store.pendingRooms(BE, "c")).isEqualTo(1);
        store.release(BE, "released");
        assertThat(store.pendingRooms(BE, "c")).isZero();
        assertThat(join(store, "third", "p0", "c", servers).decision()).isEqualTo(Decision.PLACED);
        assertThat(join(store, "fourth", "p0", "c", servers).decision()).isEqualTo(Decision.PLACED);
        assertThat(join(store, "fifth", "p0", "c", servers).decision()).isEqualTo(Decision.REJECTED);

        now.addAndGet(61_000);
        store.expireIdleRooms();
        assertThat(store.pendingRooms(BE, "c")).isZero();
        assertThat(join(store, "fifth", "p0", "c", snapshot(up("game1"))).decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void aJoinWithoutAClientIsNotBoundPerClient() {
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES, new RoomBounds(1, 1000), now::get);
        BackendSnapshot servers = snapshot(up("game1"));
        for (int i = 0; i < 5; i++) {
            Placement placement = store.join(new JoinRequest("r" + i, BE, 2, Optional.empty()), servers)
                    .toCompletableFuture().join();
            assertThat(placement.decision()).isEqualTo(Decision.PLACED);
        }
    }

    @Test
    void pastMaxRoomsANewRoomIsFullAndExistingRoomsStillJoinAndMove() {
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES, new RoomBounds(100, 3), now::get);
        BackendSnapshot servers = snapshot(up("game1"), up("game2"));
        for (int i = 0; i < 3; i++) {
            assertThat(join(store, "r" + i, "p0", "c" + i, servers).decision()).isEqualTo(Decision.PLACED);
        }

        Placement fourth = join(store, "r3", "p0", "c3", servers);
        assertThat(fourth.decision()).isEqualTo(Decision.FULL);
        assertThat(fourth.reason()).isEqualTo("room limit reached (3 rooms)");
        assertThat(join(store, "r0", "p1", "c3", servers).decision()).isEqualTo(Decision.STICKY);

        String server = join(store, "r1", "p1", "c3", servers).server().orElseThrow();
        BackendSnapshot failed = snapshot(server.equals("game1") ? down("game1") : up("game1"),
                server.equals("game2") ? down("game2") : up("game2"));
        assertThat(join(store, "r1", "p2", "c3", failed).decision()).isEqualTo(Decision.MOVED);
        assertThat(store.roomCount(BE)).isEqualTo(3);

        store.release(BE, "r2");
        assertThat(join(store, "r3", "p0", "c3", failed).decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void withAStaticInventoryArrivalRecordsAreDroppedAfterTheWindow() {
        // A static inventory's snapshot never changes, so no snapshot ever confirms an arrival: before, every join
        // left a record (and through it its room) for good: 2 002 000 records after 2 million joins.
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES, RoomBounds.NONE, now::get);
        BackendSnapshot staticServers = new BackendSnapshot(BE, List.of(
                new ServerStatus("s1", ServerState.UP, 1_000_000, 0)), now.get());
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 1000; i++) {
                store.join(new JoinRequest("round" + round + "-" + i, BE, 2, Optional.of("p")), staticServers);
                store.release(BE, "round" + round + "-" + i);
            }
            now.addAndGet(30_000);
            store.expireIdleRooms();
        }
        // only the arrivals of the last window (1000 joins every 30 s, a 60 s window and a second of rounding)
        assertThat(store.arrivalsQueued(BE)).isLessThanOrEqualTo(2000);
        now.addAndGet(62_000);
        store.expireIdleRooms();
        assertThat(store.arrivalsQueued(BE)).isZero();
        assertThat(store.roomCount(BE)).isZero();
    }

    private static Placement join(MemoryRoomStore store, String room, String player, String client,
            BackendSnapshot servers) {
        return store.join(new JoinRequest(room, BE, 10, Optional.of(player), Optional.of(client)), servers)
                .toCompletableFuture().join();
    }

    private BackendSnapshot snapshot(ServerStatus... servers) {
        return new BackendSnapshot(BE, List.of(servers), now.get());
    }

    private static ServerStatus up(String name) {
        return new ServerStatus(name, ServerState.UP, 1000, 0);
    }

    private static ServerStatus down(String name) {
        return new ServerStatus(name, ServerState.DOWN, 1000, 0);
    }
}
