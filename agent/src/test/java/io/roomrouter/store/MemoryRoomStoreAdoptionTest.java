package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.haproxy.StickTable;
import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.haproxy.TableLookup;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.placement.TableHint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Rooms HAProxy's stick table knows and the agent does not: adopted where they are, or read back at start-up. */
class MemoryRoomStoreAdoptionTest {
    private static final String BE = "be_game";
    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final Duration IDLE = Duration.ofMinutes(30);

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final FakeTable table = new FakeTable();
    private final MemoryRoomStore store = new MemoryRoomStore(new RoomLifetimes(WINDOW, IDLE), RoomBounds.NONE, now::get, table);

    @Test
    void aRoomTheTableHasOnAServerThatKeepsRoomsIsAdoptedThereNotPlacedOnTheLeastLoaded() {
        // game3 is the least loaded: a new room would go there. HAProxy hashed r1 to game1 while the agent was away.
        BackendSnapshot servers = snapshot(up("game1", 100, 40), up("game2", 100, 30), up("game3", 100, 0));
        table.put("r1", "game1", 2_000);

        Placement first = join("r1", "p3", servers);
        Placement second = join("r1", "p4", servers);

        assertThat(first.decision()).isEqualTo(Decision.STICKY);
        assertThat(first.server()).contains("game1");
        assertThat(first.reason()).isEqualTo(Reasons.ADOPTED);
        assertThat(second.server()).contains("game1");
        assertThat(second.reason()).isEqualTo(Reasons.STICKY);
        assertThat(table.asked).containsExactly("r1"); // known from then on: asked once
    }

    @Test
    void anAdoptedRoomStillFillingHoldsItsSeatsSoAFullServerStaysFull() {
        // game1 has 10 seats; its only room began while the agent was away (2 players in, 8 to come).
        BackendSnapshot servers = snapshot(up("game1", 10, 2), up("game2", 100, 50));
        table.put("r1", "game1", 1_000);
        join("r1", "p3", servers);

        assertThat(store.heldSeats(BE, "game1")).isEqualTo(10);
        Placement next = join("r2", "p1", snapshot(up("game1", 10, 3), up("game2", 100, 50)));
        assertThat(next.server()).contains("game2");
    }

    @Test
    void anAdoptedRoomHoldsOnlyTheSeatsOfThePlayersTheTableDoesNotCountConnected() {
        // game1 has 21 seats; r1 began there while the agent was away and 3 of its players are connected (conn_cur):
        // they are in game1's live count, so r1 holds 7 more. p4 joins (live 4, its seat still held until a later
        // snapshot confirms it): a new room of 10 still fits (4 + 7 + 10 = 21). Counting the 3 twice would make
        // game1 look full (4 + 10 + 10 = 24 > 21) and refuse the new room, since game2 has no room for it.
        table.put("r1", "game1", 1_000, 3);
        join("r1", "p4", snapshot(up("game1", 21, 3), up("game2", 100, 95)));

        assertThat(store.heldSeats(BE, "game1")).isEqualTo(7);
        Placement next = join("r2", "p1", snapshot(up("game1", 21, 4), up("game2", 100, 95)));
        assertThat(next.decision()).isEqualTo(Decision.PLACED);
        assertThat(next.server()).contains("game1");
    }

    @Test
    void anAdoptedRoomWithFourInFiveConnectedHoldsItsStragglersSeatsOnlyTheStragglerHold() {
        table.put("r1", "game1", 1_000, 8); // 8 of its 10 players connected: the other 2 are stragglers
        join("r1", "p9", snapshot(up("game1", 100, 8)));
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(2);

        now.addAndGet(RoomLifetimes.DEFAULT_STRAGGLER_HOLD.toMillis() - 1);
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(2);
        now.addAndGet(1);
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void aRoomTheTableCountsFullHoldsNothingAndItsNextPlayersAreNotCountedAgainstIt() {
        table.put("r1", "game1", 1_000, 12); // a room of 10 with 12 connections: a reconnect not yet closed
        BackendSnapshot servers = snapshot(up("game1", 100, 12));
        join("r1", "p11", servers);
        join("r1", "p12", servers);

        assertThat(store.heldSeats(BE, "game1")).isZero();
        assertThat(store.arrivalsQueued(BE)).isZero();
    }

    @Test
    void aRoomIdleLongerThanTheReservationWindowIsAdoptedWithoutHoldingSeats() {
        BackendSnapshot servers = snapshot(up("game1", 100, 40));
        table.put("r1", "game1", WINDOW.toMillis() + 1_000);

        assertThat(join("r1", "p1", servers).server()).contains("game1");
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    @Test
    void aRoomOnADrainingServerIsAdoptedThereToo() {
        BackendSnapshot servers = snapshot(new ServerStatus("game1", ServerState.DRAIN, 100, 5), up("game2", 100, 0));
        table.put("r1", "game1", 0);

        assertThat(join("r1", "p2", servers).server()).contains("game1");
    }

    @Test
    void aRoomTheTableHasOnADownOrMissingServerIsPlacedAnew() {
        BackendSnapshot servers = snapshot(new ServerStatus("game1", ServerState.DOWN, 100, 0),
                new ServerStatus("game2", ServerState.MAINT, 100, 0), up("game3", 100, 0));
        table.put("r1", "game1", 0);
        table.put("r2", "game2", 0);
        table.put("r3", "game9", 0);

        for (String room : List.of("r1", "r2", "r3")) {
            Placement placed = join(room, "p1", servers);
            assertThat(placed.decision()).as(room).isEqualTo(Decision.PLACED);
            assertThat(placed.server()).as(room).contains("game3");
        }
    }

    @Test
    void aRoomTheTableDoesNotHaveIsPlacedAsBefore() {
        Placement placed = join("r1", "p1", snapshot(up("game1", 100, 50), up("game2", 100, 0)));

        assertThat(placed.decision()).isEqualTo(Decision.PLACED);
        assertThat(placed.server()).contains("game2");
        assertThat(table.asked).containsExactly("r1");
    }

    @Test
    void aRoomHaproxySaysItsTableLacksIsPlacedWithoutALookupAndOneItHasIsLookedUp() {
        BackendSnapshot servers = snapshot(up("game1", 100, 50), up("game2", 100, 0));
        table.put("r1", "game1", 0); // an entry HAProxy had not when it sent the join: not asked for

        Placement placed = store.join(new JoinRequest("r1", BE, 10, Optional.of("p1"), Optional.empty(),
                TableHint.NOT_IN_TABLE), servers).toCompletableFuture().join();
        Placement adopted = store.join(new JoinRequest("r2", BE, 10, Optional.of("p1"), Optional.empty(),
                TableHint.IN_TABLE), servers).toCompletableFuture().join();

        assertThat(placed.server()).contains("game2");
        assertThat(adopted.server()).contains("game2"); // the table lacks r2 after all: placed
        assertThat(table.asked).containsExactly("r2");
    }

    @Test
    void aRoomHaproxySaysItsTableHasIsRefusedForARetryWhenTheTableDoesNotAnswerInTime() {
        BackendSnapshot servers = snapshot(up("game1", 100, 50), up("game2", 100, 0));
        table.pending = CompletableFuture.completedFuture(TableLookup.NO_ANSWER);
        Placement inTable = store.join(new JoinRequest("r1", BE, 10, Optional.of("p1"), Optional.empty(),
                TableHint.IN_TABLE), servers).toCompletableFuture().join();
        Placement unsaid = join("r2", "p1", servers); // HAProxy said nothing: placed as before the hint

        assertThat(inTable.decision()).isEqualTo(Decision.RETRY);
        assertThat(inTable.reason()).isEqualTo(Reasons.TABLE_NOT_READ);
        assertThat(unsaid.decision()).isEqualTo(Decision.PLACED);
        assertThat(store.roomCount(BE)).isEqualTo(1);
    }

    @Test
    void aKnownRoomIsNeverLookedUpAndTheTableCannotMoveIt() {
        BackendSnapshot servers = snapshot(up("game1", 100, 50), up("game2", 100, 0));
        join("r1", "p1", servers); // placed on game2, after one lookup
        table.put("r1", "game1", 0);

        assertThat(join("r1", "p2", servers).server()).contains("game2");
        assertThat(table.asked).containsExactly("r1");
    }

    @Test
    void theTableIsOnlyTakenWhenTheRoomIsStillUnknownOnceItAnswers() {
        // Two joins of one new room: the first one's lookup is slow; the second is answered first and places it.
        BackendSnapshot servers = snapshot(up("game1", 100, 50), up("game2", 100, 0));
        CompletableFuture<TableLookup> slow = new CompletableFuture<>();
        table.pending = slow;
        CompletionStage<Placement> first = store.join(request("r1", "p1"), servers);
        table.pending = null;
        Placement second = join("r1", "p2", servers);

        slow.complete(TableLookup.found(stuck("r1", "game1", 0)));

        assertThat(second.server()).contains("game2");
        Placement answered = first.toCompletableFuture().join();
        assertThat(answered.decision()).isEqualTo(Decision.STICKY);
        assertThat(answered.server()).contains("game2");
    }

    @Test
    void aRestartedAgentReadsItsRoomsBackWithTheirIdleTimersAndSeats() {
        BackendSnapshot servers = snapshot(up("game1", 30, 12), up("game2", 100, 0),
                new ServerStatus("game3", ServerState.MAINT, 100, 0));
        TableReadBack rebuild = store.readBack(servers, 10);
        // as the table lists them: in no order
        assertThat(rebuild.test(stuck("settled", "game1", WINDOW.toMillis() + 5_000))).isTrue();
        assertThat(rebuild.test(stuck("filling1", "game1", 3_000))).isTrue();
        assertThat(rebuild.test(stuck("filling2", "game1", 1_000))).isTrue();
        assertThat(rebuild.test(stuck("old", "game2", IDLE.toMillis() - 10_000))).isTrue();
        assertThat(rebuild.test(stuck("on-maint", "game3", 0))).isFalse();
        assertThat(rebuild.test(stuck("gone", "game9", 0))).isFalse();
        assertThat(rebuild.test(stuck("ended", "game2", IDLE.toMillis()))).isFalse();

        assertThat(rebuild.finish()).isEqualTo(4);
        assertThat(store.roomCount(BE)).isEqualTo(4);
        // The two rooms seen within the window hold their whole size: game1 (30 seats) takes no new room.
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(20);
        assertThat(join("new", "p1", servers).server()).contains("game2");
        // Known again: sticky where the table had them, no lookup.
        assertThat(join("settled", "p9", servers).server()).contains("game1");
        assertThat(join("old", "p9", servers).server()).contains("game2");
        assertThat(table.asked).containsExactly("new");

        // "filling1" and "filling2" end at their own idle timeout, counted from their last join before the restart;
        // "new", "settled" and "old" were joined just now.
        assertThat(store.roomCount(BE)).isEqualTo(5);
        now.addAndGet(IDLE.toMillis() - 2_000);
        store.expireIdleRooms();
        assertThat(store.roomCount(BE)).isEqualTo(4); // filling1 ended
        now.addAndGet(1_500);
        store.expireIdleRooms();
        assertThat(store.roomCount(BE)).isEqualTo(3); // filling2 too, half a second before the others
    }

    @Test
    void aRebuiltRoomHoldsOnlyTheSeatsOfItsPlayersNotConnected() {
        BackendSnapshot servers = snapshot(up("game1", 30, 12), up("game2", 100, 90));
        TableReadBack rebuild = store.readBack(servers, 10);
        assertThat(rebuild.test(new StuckRoom("a", "game1", 1_000, OptionalInt.of(6)))).isTrue();
        assertThat(rebuild.test(new StuckRoom("b", "game1", 2_000, OptionalInt.of(6)))).isTrue();
        assertThat(rebuild.finish()).isEqualTo(2);

        // 12 players connected and 8 seats held: a room of 10 still fits game1's 30.
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(8);
        assertThat(join("c", "p1", servers).server()).contains("game1");
    }

    @Test
    void rebuiltSeatsAreGivenBackAtTheEndOfTheWindowCountedFromTheLastJoin() {
        BackendSnapshot servers = snapshot(up("game1", 100, 0));
        TableReadBack rebuild = store.readBack(servers, 10);
        assertThat(rebuild.test(stuck("r1", "game1", 50_000))).isTrue();
        assertThat(rebuild.finish()).isEqualTo(1);
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(10);

        now.addAndGet(9_000);
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isEqualTo(10);
        now.addAndGet(2_000);
        store.expireIdleRooms();
        assertThat(store.heldSeats(BE, "game1")).isZero();
    }

    /** An entry of a table that does not store conn_cur. */
    private static StuckRoom stuck(String room, String server, long idleMillis) {
        return new StuckRoom(room, server, idleMillis, OptionalInt.empty());
    }

    private Placement join(String room, String player, BackendSnapshot servers) {
        return store.join(request(room, player), servers).toCompletableFuture().join();
    }

    private static JoinRequest request(String room, String player) {
        return new JoinRequest(room, BE, 10, Optional.of(player));
    }

    private BackendSnapshot snapshot(ServerStatus... servers) {
        return new BackendSnapshot(BE, List.of(servers), now.get());
    }

    private static ServerStatus up(String name, int capacity, int live) {
        return new ServerStatus(name, ServerState.UP, capacity, live);
    }

    /** HAProxy's table as a map; answers at once unless {@link #pending} is set. */
    private static final class FakeTable implements StickTable {
        final Map<String, StuckRoom> rooms = new HashMap<>();
        final List<String> asked = new ArrayList<>();
        CompletableFuture<TableLookup> pending;

        void put(String room, String server, long idleMillis) {
            rooms.put(room, stuck(room, server, idleMillis));
        }

        void put(String room, String server, long idleMillis, int connected) {
            rooms.put(room, new StuckRoom(room, server, idleMillis, OptionalInt.of(connected)));
        }

        @Override
        public CompletionStage<TableLookup> find(String backend, String room) {
            asked.add(room);
            if (pending != null) {
                return pending;
            }
            return CompletableFuture.completedFuture(
                    Optional.ofNullable(rooms.get(room)).map(TableLookup::found).orElse(TableLookup.ABSENT));
        }

        @Override
        public void forget(String backend, String room) {
            rooms.remove(room);
        }
    }
}
