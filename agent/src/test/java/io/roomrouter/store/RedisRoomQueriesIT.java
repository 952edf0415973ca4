package io.roomrouter.store;

import static io.roomrouter.store.FakeInventory.up;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis store answers operators' queries (the room API) from what a real Redis holds. */
class RedisRoomQueriesIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(5), Duration.ofSeconds(10));
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private final String prefix = "q" + PREFIXES.incrementAndGet();
    private final Clock clock = Clock.systemUTC();
    private final FakeInventory view = new FakeInventory(BE, clock, up("s1", 1000, 0), up("s2", 1000, 0));
    private RedisRoomStore store;

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aRoomShowsItsServerPlayersSeatsAndTimes() {
        store = start();
        long before = clock.millis();
        Placement placed = join("r1", 4, "p1");
        join("r1", 4, "p2");

        // p2's join was answered from the cache; its arrival is counted by its touch, which goes out within
        // RedisRoomStore.TOUCH_DELAY, with other touches.
        Eventually.await(() -> store.room(BE, "r1").toCompletableFuture().join().orElseThrow().playersSeen() == 2,
                "p2's arrival counted");
        RoomView room = store.room(BE, "r1").toCompletableFuture().join().orElseThrow();

        assertThat(room.server()).isEqualTo(placed.server().orElseThrow());
        // Redis keeps a fallback only when it is not the usual one (the first other UP server in the room's
        // rendezvous order): with two servers, the other one is.
        assertThat(placed.fallback()).isPresent();
        assertThat(room.fallback()).isEmpty();
        assertThat(room.size()).isEqualTo(4);
        assertThat(room.playersSeen()).isEqualTo(2);
        assertThat(room.seatsHeld()).isEqualTo(4); // no snapshot has confirmed an arrival yet
        assertThat(room.placedAtMillis().getAsLong()).isBetween(before, clock.millis());
        assertThat(room.lastJoinAtMillis()).isBetween(before, clock.millis());
        assertThat(store.room(BE, "nowhere").toCompletableFuture().join()).isEmpty();
        assertThat(store.room("be_other", "r1").toCompletableFuture().join()).isEmpty();
    }

    @Test
    void aRoomWhoseIdleEndPassedIsGoneThoughNotSweptYet() {
        store = start();
        // The agent's periodic load publication sweeps too: one that runs between the ZADD and the check has swept
        // the room already, and the case is tried again with another room (a few ms apart, rarely more than once).
        String ended = null;
        for (int attempt = 0; attempt < 20 && ended == null; attempt++) {
            String room = "r" + attempt;
            join(room, 4, "p1");
            redis.raw().zadd(prefix + ":{" + BE + "}:rooms", 0, room); // what a game server does to end a room
            if (redis.raw().hexists(prefix + ":{" + BE + "}:room", room)) {
                ended = room;
            }
        }

        assertThat(ended).as("a room whose idle end passed, still in the room hash").isNotNull();
        assertThat(store.room(BE, ended).toCompletableFuture().join()).isEmpty();
        assertThat(page(Optional.empty(), 10).rooms()).isEmpty(); // rooms of earlier attempts were swept whole
    }

    @Test
    void pagesWalkEveryRoomOnceWhetherHscanGivesMoreOrFewerThanAPage() {
        store = start();
        // 40 rooms: a small hash, which HSCAN gives whole in one reply; then 400: a hash table, given in parts.
        for (int total : new int[] {40, 400}) {
            Set<String> placed = new HashSet<>();
            for (int i = placed.size(); placed.size() < total; i++) {
                String room = "p" + total + "-" + i;
                join(room, 2, "a");
                placed.add(room);
            }
            for (int limit : new int[] {7, 100}) {
                List<String> seen = new ArrayList<>();
                Optional<String> cursor = Optional.empty();
                int pages = 0;
                do {
                    RoomPage page = page(cursor, limit);
                    assertThat(page.rooms().size()).isLessThanOrEqualTo(limit);
                    page.rooms().forEach(r -> seen.add(r.room()));
                    cursor = page.next();
                    assertThat(++pages).isLessThan(1000);
                } while (cursor.isPresent());
                List<String> ofThisRound = seen.stream().filter(r -> r.startsWith("p" + total + "-")).toList();
                assertThat(ofThisRound).as("limit %d over %d rooms", limit, total)
                        .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(placed);
            }
        }
    }

    @Test
    void aBackendCountsItsRoomsAndEachServersHeldSeats() {
        store = start();
        Map<String, Integer> held = new java.util.HashMap<>(Map.of("s1", 0, "s2", 0));
        for (int i = 0; i < 6; i++) {
            held.merge(join("b" + i, 3, "x").server().orElseThrow(), 3, Integer::sum);
        }

        BackendView backend = store.backend(BE, List.of("s1", "s2")).toCompletableFuture().join();

        assertThat(backend.rooms()).isEqualTo(6);
        assertThat(backend.seatsHeld()).isEqualTo(held);
        assertThat(backend.roomsPerServer()).isEmpty(); // Redis keeps no per-server room count
        BackendView unknown = store.backend("be_none", List.of("s1")).toCompletableFuture().join();
        assertThat(unknown.rooms()).isZero();
        assertThat(unknown.seatsHeld()).isEqualTo(Map.of("s1", 0));
    }

    @Test
    void aCursorItDidNotMakeOrALimitOutOfRangeIsRefused() {
        store = start();
        assertThatThrownBy(() -> page(Optional.of("abc"), 10)).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> page(Optional.empty(), 0)).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> page(Optional.empty(), RoomStore.MAX_PAGE + 1))
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    private RedisRoomStore start() {
        return RedisRoomStore.start(new RedisSettings(redis.uri(), prefix, Duration.ofSeconds(2)), LIFETIMES, view,
                "agent-q", clock);
    }

    private RoomPage page(Optional<String> after, int limit) {
        return store.rooms(BE, after, limit).toCompletableFuture().join();
    }

    private Placement join(String room, int size, String player) {
        return store.join(new JoinRequest(room, BE, size, Optional.of(player)), view.snapshot())
                .toCompletableFuture().join();
    }
}
