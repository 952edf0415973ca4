package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryRoomStoreTest {
    private static final String BE = "be_game";

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final MemoryRoomStore store =
            new MemoryRoomStore(new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(30)), now::get);

    @Test
    void firstJoinPlacesOnLeastLoadedAndLaterJoinsStick() {
        BackendSnapshot servers = snapshot(up("game1", 100, 30), up("game2", 100, 10), up("game3", 100, 20));

        Placement first = join("r1", "p1", servers);
        Placement second = join("r1", "p2", servers);

        assertThat(first.decision()).isEqualTo(Decision.PLACED);
        assertThat(first.server()).contains("game2");
        assertThat(first.load()).isEqualTo(20); // 10 live + the 10 seats just reserved
        assertThat(second.decision()).isEqualTo(Decision.STICKY);
        assertThat(second.server()).contains("game2");
    }

    @Test
    void equalServersShareNewRoomsEvenly() {
        BackendSnapshot servers = snapshot(up("game1", 1000, 0), up("game2", 1000, 0), up("game3", 1000, 0));
        Map<String, Integer> rooms = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            rooms.merge(join("room-" + i, "p", servers).server().orElseThrow(), 1, Integer::sum);
        }
        assertThat(rooms.values()).allSatisfy(count -> assertThat(count).isBetween(66, 67));
    }

    @Test
    void newRoomGoesOnlyWhereTheWholeRoomFits() {
        BackendSnapshot servers = snapshot(up("game1", 50, 0), up("game2", 50, 0), up("game3", 50, 0));
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Placement placement = join("room-" + i, "p1", servers);
            assertThat(placement.decision()).isEqualTo(Decision.PLACED);
            placed.add(placement.server().orElseThrow());
        }
        Placement sixteenth = join("room-15", "p1", servers);

        assertThat(placed).filteredOn("game1"::equals).hasSize(5);
        assertThat(sixteenth.decision()).isEqualTo(Decision.FULL);
        assertThat(sixteenth.server()).isEmpty();
        assertThat(sixteenth.reason()).contains("no server fits a room of 10").contains("game1 50/50");
        assertThat(store.roomCount(BE)).isEqualTo(15);
    }

    @Test
    void aPlacedRoomStaysStickyWhenItsServerIsFull() {
        BackendSnapshot servers = snapshot(up("game1", 10, 0));
        join("r1", "p1", servers);
        BackendSnapshot overloaded = snapshot(up("game1", 10, 12));

        Placement late = join("r1", "p11", overloaded);

        assertThat(late.decision()).isEqualTo(Decision.STICKY);
        assertThat(late.server()).contains("game1");
    }

    @Test
    void arrivalsGiveSeatsBackOnceHaproxyCountsThem() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        join("r1", "p1", servers);
        join("r1", "p2", servers);
        join("r1", "p3", servers);
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(10);

        now.addAndGet(RoomLifetimes.ARRIVAL_SETTLE_MILLIS - 1);
        join("r1", "p3", snapshot(up("game1", 100, 3))); // too recent: players may not be counted yet
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(10);

        now.addAndGet(RoomLifetimes.ARRIVAL_SETTLE_MILLIS);
        join("r1", "p2", snapshot(up("game1", 100, 3)));
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(7);
    }

    @Test
    void aReconnectingPlayerIsCountedOnce() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        for (int i = 0; i < 5; i++) {
            join("r1", "same-player", servers);
        }
        now.addAndGet(1000);
        join("r1", "same-player", snapshot(up("game1", 100, 1)));

        assertThat(store.heldSeats(BE, "game1")).isEqualTo(9);
    }

    @Test
    void anonymousJoinsCountUpToTheRoomSize() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        for (int i = 0; i < 15; i++) {
            assertThat(store.join(new JoinRequest("r1", BE, 10, Optional.empty()), servers)
                    .toCompletableFuture().join().server()).contains("game1");
        }
        now.addAndGet(1000);
        join("r1", "p", snapshot(up("game1", 100, 10)));

        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void theReservationEndsAfterItsWindow() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        join("r1", "p1", servers);
        now.addAndGet(Duration.ofSeconds(61).toMillis());
        store.expireIdleRooms();

        assertThat(store.heldSeats(BE, "game1")).isZero();
        assertThat(join("r1", "p2", servers).decision()).isEqualTo(Decision.STICKY);
    }

    /** A room of 10 (window 60 s, straggler hold 10 s) of which {@code players} join now, then HAProxy counts them. */
    private void roomWithPlayersIn(String room, int players) {
        for (int i = 1; i <= players; i++) {
            join(room, room + "-p" + i, snapshot(up("game1", 20, 0)));
        }
        now.addAndGet(1000);
        store.join(new JoinRequest(room, BE, 10, Optional.of(room + "-p1")), snapshot(up("game1", 20, players)));
    }

    @Test
    void onceFourInFiveAreInTheStragglersSeatsComeBackAfterTheStragglerHold() {
        roomWithPlayersIn("r1", 8);
        assertThat(store.heldSeats(BE, "game1")).as("the 2 stragglers' seats").isEqualTo(2);

        now.addAndGet(Duration.ofSeconds(8).toMillis()); // 9 s after the 8th player: still held
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(2);
        assertThat(store.reservingRooms(BE)).isEqualTo(1);

        now.addAndGet(Duration.ofSeconds(1).toMillis()); // 10 s after it
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isZero();
        assertThat(store.reservingRooms(BE)).isZero();
        // A straggler still joins its room's server, never another, even when that server is full; it holds nothing.
        Placement late = store.join(new JoinRequest("r1", BE, 10, Optional.of("r1-p9")),
                snapshot(up("game1", 20, 20), up("game2", 20, 0))).toCompletableFuture().join();
        assertThat(late.decision()).isEqualTo(Decision.STICKY);
        assertThat(late.server()).contains("game1");
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void withFewerThanFourInFiveInTheWholeWindowHoldsTheRest() {
        roomWithPlayersIn("r1", 7);
        now.addAndGet(Duration.ofSeconds(20).toMillis());
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(3);

        now.addAndGet(Duration.ofSeconds(40).toMillis()); // 61 s after the placement: the window is over
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void theStragglerHoldNeverOutlastsTheWindow() {
        join("r1", "p1", snapshot(up("game1", 100, 0)));
        now.addAndGet(Duration.ofSeconds(55).toMillis());
        for (int i = 2; i <= 8; i++) {
            join("r1", "p" + i, snapshot(up("game1", 100, 1)));
        }
        now.addAndGet(Duration.ofSeconds(6).toMillis()); // the window's end comes first: 61 s, not 65 s
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void aReconnectDoesNotCountTowardsFourInFive() {
        roomWithPlayersIn("r1", 7);
        for (int i = 0; i < 5; i++) {
            join("r1", "r1-p7", snapshot(up("game1", 20, 7)));
        }
        now.addAndGet(Duration.ofSeconds(20).toMillis());
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(3);
    }

    @Test
    void aShorterStragglerHoldGivesTheSeatsBackSooner() {
        MemoryRoomStore quick = new MemoryRoomStore(
                new RoomLifetimes(Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofMinutes(30)), now::get);
        for (int i = 1; i <= 4; i++) { // a room of 5: its 4th player is four in five
            quick.join(new JoinRequest("r1", BE, 5, Optional.of("p" + i)), snapshot(up("game1", 20, 0)));
        }
        now.addAndGet(1000);
        quick.expireIdleRooms();
        assertThat(quick.heldSeats(BE, "game1")).as("not confirmed yet: all 5").isEqualTo(5);

        now.addAndGet(1000);
        quick.expireIdleRooms();
        assertThat(quick.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void anIdleRoomEndsAndGivesItsSeatsBack() {
        BackendSnapshot servers = snapshot(up("game1", 10, 0), up("game2", 10, 0));
        String first = join("r1", "p1", servers).server().orElseThrow();
        now.addAndGet(Duration.ofMinutes(30).toMillis());
        store.expireIdleRooms();

        assertThat(store.roomCount(BE)).isZero();
        assertThat(store.heldSeats(BE, first)).isZero();
        assertThat(join("r1", "p1", servers).decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void aJoinKeepsTheRoomAlive() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        join("r1", "p1", servers);
        now.addAndGet(Duration.ofMinutes(20).toMillis());
        join("r1", "p2", servers);
        now.addAndGet(Duration.ofMinutes(20).toMillis());
        store.expireIdleRooms();

        assertThat(store.roomCount(BE)).isEqualTo(1);
    }

    @Test
    void drainKeepsItsRoomsAndTakesNoNewOnes() {
        join("r1", "p1", snapshot(up("game1", 100, 0), up("game2", 100, 50)));
        BackendSnapshot draining = snapshot(
                new ServerStatus("game1", ServerState.DRAIN, 100, 0), up("game2", 100, 50));

        assertThat(join("r1", "p2", draining).server()).contains("game1");
        assertThat(join("r2", "p1", draining).server()).contains("game2");
    }

    @Test
    void aRoomOnAServerInMaintenanceMovesAndStaysTogether() {
        join("r1", "p1", snapshot(up("game1", 100, 0), up("game2", 100, 50)));
        BackendSnapshot maint = snapshot(
                new ServerStatus("game1", ServerState.MAINT, 100, 0), up("game2", 100, 50));

        Placement moved = join("r1", "p2", maint);
        Placement after = join("r1", "p3", maint);

        assertThat(moved.decision()).isEqualTo(Decision.MOVED);
        assertThat(moved.server()).contains("game2");
        assertThat(moved.reason()).isEqualTo("server game1 is MAINT; to its fallback");
        assertThat(after.decision()).isEqualTo(Decision.STICKY);
        assertThat(after.server()).contains("game2");
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void aMovedRoomGoesToTheFallbackNamedWhileItsServerWasUpNotToTheLeastLoaded() {
        BackendSnapshot three = snapshot(up("game1", 1000, 0), up("game2", 1000, 0), up("game3", 1000, 0));
        for (int i = 0; i < 20; i++) {
            String room = "room-" + i;
            Placement placed = join(room, "p1", three);
            String home = placed.server().orElseThrow();
            String fallback = placed.fallback().orElseThrow();
            assertThat(join(room, "p2", three).fallback()).contains(fallback);
            // The fallback is the busier of the two others: least-loaded would pick the other one.
            List<ServerStatus> failed = new ArrayList<>();
            for (ServerStatus server : three.servers()) {
                failed.add(server.name().equals(home) ? new ServerStatus(home, ServerState.DOWN, 1000, 0)
                        : up(server.name(), 1000, server.name().equals(fallback) ? 600 : 100));
            }

            Placement moved = join(room, "p3", snapshot(failed.toArray(new ServerStatus[0])));

            assertThat(moved.decision()).isEqualTo(Decision.MOVED);
            assertThat(moved.server()).contains(fallback);
        }
    }

    @Test
    void aRoomMovesToItsNamedFallbackEvenWhenHaproxyFilledItMeanwhile() {
        Placement placed = join("r1", "p1", snapshot(up("game1", 100, 0), up("game2", 100, 50), up("game3", 100, 80)));
        assertThat(placed.server()).contains("game1");
        String fallback = placed.fallback().orElseThrow();
        String other = fallback.equals("game2") ? "game3" : "game2";
        // game1 failed; HAProxy saw it first and sent the room's players to the fallback, which is now full.
        BackendSnapshot failed = snapshot(new ServerStatus("game1", ServerState.DOWN, 100, 0),
                up(fallback, 100, 100), up(other, 100, 0));

        Placement moved = join("r1", "p2", failed);

        assertThat(moved.decision()).isEqualTo(Decision.MOVED);
        assertThat(moved.server()).contains(fallback);
        assertThat(moved.reason()).isEqualTo("server game1 is DOWN; to its fallback");
    }

    @Test
    void theFallbackCountsHeldSeats() {
        // game2 and game3 have 10 seats left; whichever of them a second room takes, held seats fill it, so the
        // first room's fallback becomes the other one.
        BackendSnapshot snapshot = snapshot(up("game1", 100, 0), up("game2", 100, 90), up("game3", 100, 90));
        Placement first = join("a", "p1", snapshot);
        assertThat(first.server()).contains("game1");
        String before = first.fallback().orElseThrow();
        join("b", "p1", snapshot(up("game1", 100, 100), up("game2", 100, 90), up("game3", 100, 90)));
        String taken = before.equals("game2") ? "game3" : "game2";

        assertThat(store.heldSeats(BE, before) + store.heldSeats(BE, taken)).isEqualTo(10);
        assertThat(join("a", "p2", snapshot).fallback())
                .contains(store.heldSeats(BE, before) == 10 ? taken : before);
    }

    @Test
    void aRoomWhoseServerLeftMoves() {
        join("r1", "p1", snapshot(up("game1", 100, 0), up("game2", 100, 50)));

        Placement moved = join("r1", "p2", snapshot(up("game2", 100, 50)));

        assertThat(moved.decision()).isEqualTo(Decision.MOVED);
        assertThat(moved.reason()).isEqualTo("server game1 left the backend; to its fallback");
    }

    @Test
    void aNewServerTakesNewRoomsAndNoRoomMoves() {
        BackendSnapshot three = snapshot(up("game1", 100, 20), up("game2", 100, 20), up("game3", 100, 20));
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            before.put("r" + i, join("r" + i, "p1", three).server().orElseThrow());
        }
        BackendSnapshot four = snapshot(
                up("game1", 100, 20), up("game2", 100, 20), up("game3", 100, 20), up("game4", 100, 0));

        assertThat(join("new", "p1", four).server()).contains("game4");
        before.forEach((room, server) -> assertThat(join(room, "p2", four).server()).contains(server));
    }

    @Test
    void releaseEndsTheRoomAtOnce() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        join("r1", "p1", servers);

        assertThat(store.release(BE, "r1").toCompletableFuture().join()).isTrue();
        assertThat(store.release(BE, "r1").toCompletableFuture().join()).isFalse();
        assertThat(store.heldSeats(BE, "game1")).isZero();
        assertThat(join("r1", "p1", servers).decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void downServersAndNoServersMeanFull() {
        Placement none = join("r1", "p1", snapshot());
        Placement down = join("r1", "p1", snapshot(new ServerStatus("game1", ServerState.DOWN, 100, 0)));

        assertThat(none.decision()).isEqualTo(Decision.FULL);
        assertThat(none.reason()).contains("no servers");
        assertThat(down.reason()).contains("game1 DOWN");
    }

    private Placement join(String room, String player, BackendSnapshot servers) {
        return store.join(new JoinRequest(room, BE, 10, Optional.of(player)), servers).toCompletableFuture().join();
    }

    private BackendSnapshot snapshot(ServerStatus... servers) {
        return new BackendSnapshot(BE, List.of(servers), now.get());
    }

    private static ServerStatus up(String name, int capacity, int live) {
        return new ServerStatus(name, ServerState.UP, capacity, live);
    }
}
