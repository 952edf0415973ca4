package io.roomrouter.store;

import static io.roomrouter.store.FakeInventory.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis store honours the bounds on new rooms: two agents on one real Redis. */
class RedisRoomBoundsIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(30), Duration.ofMinutes(5));
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private String prefix;

    @AfterEach
    void closeStores() throws Exception {
        for (AutoCloseable closeable : closing) {
            closeable.close();
        }
    }

    @Test
    void aClientPastItsBoundIsRejectedForNewRoomsOnlyEvenForARoomAnotherAgentOpened() {
        FakeInventory view = new FakeInventory(BE, Clock.systemUTC(), up("s1", 1000, 0), up("s2", 1000, 0));
        RedisRoomStore a = store(view, "a", new RoomBounds(2, 1000));
        RedisRoomStore b = store(view, "b", new RoomBounds(2, 1000));

        assertThat(join(a, view, "r1", "p1", "c").decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "r2", "p1", "c").decision()).isEqualTo(Decision.PLACED);
        Placement third = join(a, view, "r3", "p1", "c");
        assertThat(third.decision()).isEqualTo(Decision.REJECTED);
        assertThat(third.reason()).contains("at most 2");
        assertThat(join(b, view, "x1", "p1", "d").decision()).isEqualTo(Decision.PLACED);

        // c is at its bound on a, yet joins a room that exists: its own, and one agent b opened
        assertThat(join(a, view, "r1", "p2", "c").decision()).isEqualTo(Decision.STICKY);
        assertThat(join(a, view, "x1", "p2", "c").decision()).isEqualTo(Decision.STICKY);
        assertThat(join(a, view, "r3", "p1", "e").decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void aClientsRoomThatFilledThroughAnotherAgentStopsCountingAgainstItsBoundBeforeItsWindowEnds() throws Exception {
        FakeInventory view = new FakeInventory(BE, Clock.systemUTC(), up("s1", 1000, 0), up("s2", 1000, 0));
        RedisRoomStore a = store(view, "a", new RoomBounds(1, 1000));
        RedisRoomStore b = store(view, "b", new RoomBounds(1, 1000));
        assertThat(join(a, view, "f1", "p1", "c", 2).decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "f2", "p1", "c", 2).decision()).as("at its bound").isEqualTo(Decision.REJECTED);

        // The room's other player comes through the other agent: every seat claimed, in Redis only.
        assertThat(join(b, view, "f1", "p2", "d", 2).decision()).isEqualTo(Decision.STICKY);
        a.publishNow().get(10, TimeUnit.SECONDS); // asks Redis whether f1 still waits for players

        assertThat(join(a, view, "f2", "p1", "c", 2).decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "f3", "p1", "c", 2).decision()).as("f2 waits for its second player")
                .isEqualTo(Decision.REJECTED);
    }

    @Test
    void aBurstOfFirstJoinsFromOneClientCannotPassItsBound() {
        FakeInventory view = new FakeInventory(BE, Clock.systemUTC(), up("s1", 1000, 0));
        RedisRoomStore a = store(view, "a", new RoomBounds(2, 1000));
        List<CompletableFuture<Placement>> burst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            burst.add(a.join(request("burst" + i, "p1", "c"), view.snapshot()).toCompletableFuture());
        }
        long placed = burst.stream().map(CompletableFuture::join).filter(p -> p.decision() == Decision.PLACED).count();
        long rejected = burst.stream().map(CompletableFuture::join)
                .filter(p -> p.decision() == Decision.REJECTED).count();
        assertThat(placed).isEqualTo(2);
        assertThat(rejected).isEqualTo(8);
    }

    @Test
    void pastMaxRoomsANewRoomIsFullWhicheverAgentOpensIt() {
        FakeInventory view = new FakeInventory(BE, Clock.systemUTC(), up("s1", 1000, 0), up("s2", 1000, 0));
        RedisRoomStore a = store(view, "a", new RoomBounds(100, 3));
        RedisRoomStore b = store(view, "b", new RoomBounds(100, 3));
        assertThat(join(a, view, "m1", "p1", "c1").decision()).isEqualTo(Decision.PLACED);
        assertThat(join(b, view, "m2", "p1", "c2").decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "m3", "p1", "c3").decision()).isEqualTo(Decision.PLACED);

        Placement fourth = join(b, view, "m4", "p1", "c4");
        assertThat(fourth.decision()).isEqualTo(Decision.FULL);
        assertThat(fourth.reason()).isEqualTo("room limit reached (3 rooms)");
        assertThat(join(b, view, "m1", "p2", "c4").decision()).isEqualTo(Decision.STICKY);
        try (RedisClient client = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().hlen(prefix + ":{" + BE + "}:room")).isEqualTo(3);
        }

        assertThat(a.release(BE, "m2").toCompletableFuture().join()).isTrue();
        assertThat(join(b, view, "m4", "p1", "c4").decision()).isEqualTo(Decision.PLACED);
    }

    private RedisRoomStore store(FakeInventory view, String agent, RoomBounds bounds) {
        if (prefix == null) {
            prefix = "bounds" + PREFIXES.incrementAndGet();
        }
        RedisRoomStore store = RedisRoomStore.start(new RedisSettings(redis.uri(), prefix, TIMEOUT), LIFETIMES, bounds,
                view, agent, Clock.systemUTC());
        closing.add(store);
        return store;
    }

    private static Placement join(RedisRoomStore store, FakeInventory view, String room, String player,
            String client) {
        return join(store, view, room, player, client, 10);
    }

    private static Placement join(RedisRoomStore store, FakeInventory view, String room, String player,
            String client, int size) {
        return store.join(request(room, player, client, size), view.snapshot()).toCompletableFuture().join();
    }

    private static JoinRequest request(String room, String player, String client) {
        return request(room, player, client, 10);
    }

    private static JoinRequest request(String room, String player, String client, int size) {
        return new JoinRequest(room, BE, size, Optional.of(player), Optional.of(client));
    }
}
