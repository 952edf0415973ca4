package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.BackendSnapshot;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory store answers operators' queries (the room API) without changing what it decides. */
class MemoryRoomQueriesTest {
    private static final String BE = "be_game";
    private static final Duration IDLE = Duration.ofMinutes(30);

    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final MemoryRoomStore store = new MemoryRoomStore(new RoomLifetimes(Duration.ofSeconds(60), IDLE), now::get);
    private final BackendSnapshot servers = new BackendSnapshot(BE,
            List.of(new ServerStatus("game1", ServerState.UP, 100, 0), new ServerStatus("game2", ServerState.UP, 100, 0)),
            now.get());

    @Test
    void aRoomShowsItsServerPlayersSeenSeatsHeldAndTimes() {
        Placement placed = join("r1", "p1", 4);
        now.addAndGet(3_000);
        join("r1", "p2", 4);
        join("r1", "p2", 4); // a reconnect: the same player, seen once

        RoomView room = store.room(BE, "r1").toCompletableFuture().join().orElseThrow();

        assertThat(room.server()).isEqualTo(placed.server().orElseThrow());
        assertThat(room.fallback()).isEqualTo(placed.fallback());
        assertThat(room.size()).isEqualTo(4);
        assertThat(room.playersSeen()).isEqualTo(2);
        assertThat(room.seatsHeld()).isEqualTo(4); // no snapshot has confirmed an arrival
        assertThat(room.placedAtMillis().getAsLong()).isEqualTo(1_800_000_000_000L);
        assertThat(room.lastJoinAtMillis()).isEqualTo(1_800_000_003_000L);
        assertThat(store.room(BE, "r2").toCompletableFuture().join()).isEmpty();
        assertThat(store.room("be_other", "r1").toCompletableFuture().join()).isEmpty();
    }

    @Test
    void lookingAtARoomDoesNotKeepItAlive() {
        long start = now.get();
        join("old", "p", 2);
        now.addAndGet(60_000);
        join("young", "p", 2);
        now.addAndGet(60_000);
        // Rooms sit in join order, the idle timeout ends them oldest first: a look is no join and must not move "old"
        // behind "young", where it would outlive its timeout.
        assertThat(store.room(BE, "old").toCompletableFuture().join()).isPresent();
        assertThat(store.rooms(BE, Optional.empty(), 10).toCompletableFuture().join().rooms()).hasSize(2);
        store.backend(BE, List.of("game1", "game2")).toCompletableFuture().join();

        now.set(start + IDLE.toMillis() + 1_000);
        store.expireIdleRooms();

        assertThat(store.roomCount(BE)).isEqualTo(1);
        assertThat(store.room(BE, "young").toCompletableFuture().join()).isPresent();
        now.set(start + 60_000 + IDLE.toMillis() + 1_000);
        store.expireIdleRooms();
        assertThat(store.roomCount(BE)).isZero();
    }

    @Test
    void pagesWalkEveryRoomOnceInIdOrder() {
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String room = String.format("room-%02d", i);
            join(room, "p", 2);
            placed.add(room);
        }
        List<String> seen = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        List<Integer> sizes = new ArrayList<>();
        do {
            RoomPage page = store.rooms(BE, cursor, 10).toCompletableFuture().join();
            sizes.add(page.rooms().size());
            page.rooms().forEach(r -> seen.add(r.room()));
            cursor = page.next();
        } while (cursor.isPresent());

        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(seen).isEqualTo(placed);
        assertThat(store.rooms(BE, Optional.of("room-24"), 10).toCompletableFuture().join().rooms()).isEmpty();
        RoomPage exact = store.rooms(BE, Optional.of("room-14"), 10).toCompletableFuture().join();
        assertThat(exact.rooms()).hasSize(10);
        assertThat(exact.next()).isEmpty();
        assertThat(store.rooms("be_other", Optional.empty(), 10).toCompletableFuture().join().rooms()).isEmpty();
        assertThatThrownBy(() -> store.rooms(BE, Optional.empty(), 0).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBackendCountsRoomsAndSeatsPerServer() {
        Map<String, Integer> rooms = new HashMap<>();
        Map<String, Integer> seats = new HashMap<>(Map.of("game1", 0, "game2", 0));
        for (int i = 0; i < 9; i++) {
            String server = join("b" + i, "p", 5).server().orElseThrow();
            rooms.merge(server, 1, Integer::sum);
            seats.merge(server, 5, Integer::sum);
        }
        store.release(BE, "b0");
        String gone = "b0";
        rooms.merge(serverBefore(gone), -1, Integer::sum);
        seats.merge(serverBefore(gone), -5, Integer::sum);

        BackendView backend = store.backend(BE, List.of("game1", "game2")).toCompletableFuture().join();

        assertThat(backend.rooms()).isEqualTo(8);
        assertThat(backend.roomsPerServer()).contains(rooms);
        assertThat(backend.seatsHeld()).isEqualTo(seats);
    }

    private final Map<String, String> placedOn = new HashMap<>();

    private String serverBefore(String room) {
        return placedOn.get(room);
    }

    private Placement join(String room, String player, int size) {
        Placement placement = store.join(new JoinRequest(room, BE, size, Optional.of(player)),
                new BackendSnapshot(BE, servers.servers(), servers.takenAtMillis())).toCompletableFuture().join();
        placement.server().ifPresent(server -> placedOn.putIfAbsent(room, server));
        return placement;
    }
}
