package io.roomrouter.store;

import static io.roomrouter.store.FakeInventory.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An agent on Redis that starts offers Redis the rooms of HAProxy's stick table (issue 11, item 5 with Redis): a
 * room born while no agent answered (hashed by HAProxy, remembered by its table) stays where it began, and a room
 * Redis has stays where Redis has it. A real redis-server.
 */
class RedisTableReadBackIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(5), Duration.ofSeconds(30));

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void roomsRedisLacksAreAdoptedWhereTheTableHasThemAndRoomsItHasStay() {
        Clock clock = Clock.systemUTC();
        // s3 is the least loaded: a room placed anew would go there.
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 40), up("s2", 100, 30), up("s3", 100, 0),
                new ServerStatus("s4", ServerState.MAINT, 100, 0));
        try (RedisRoomStore before = store(view, "a", clock)) {
            assertThat(join(before, view, "known", "p1").server()).contains("s3");
        }

        // The agent restarts; meanwhile HAProxy hashed "hashed" to s1, and its table has "known" on s1 too (say a
        // stale entry): Redis has "known" on s3, which stands.
        try (RedisRoomStore store = store(view, "a", clock)) {
            TableReadBack readBack = store.readBack(view.snapshot(), 10);
            assertThat(readBack.test(new StuckRoom("hashed", "s1", 2_000, OptionalInt.of(3)))).isTrue();
            assertThat(readBack.test(new StuckRoom("known", "s1", 1_000, OptionalInt.of(1)))).isTrue();
            assertThat(readBack.test(new StuckRoom("on-maint", "s4", 0, OptionalInt.empty()))).isFalse();
            assertThat(readBack.test(new StuckRoom("gone", "s9", 0, OptionalInt.empty()))).isFalse();
            assertThat(readBack.test(new StuckRoom("ended", "s2", LIFETIMES.idleTimeout().toMillis(),
                    OptionalInt.empty()))).isFalse();

            assertThat(readBack.finish()).isEqualTo(1);

            Placement hashed = join(store, view, "hashed", "p4");
            assertThat(hashed.decision()).isEqualTo(Decision.STICKY);
            assertThat(hashed.server()).contains("s1");
            assertThat(join(store, view, "known", "p2").server()).contains("s3");
            assertThat(redis.raw().hexists(prefix() + ":{" + BE + "}:room", "on-maint")).isFalse();
        }
    }

    @Test
    void aRedisThatDoesNotAnswerLeavesTheRoomsToTheirNextJoin() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0));
        RedisRoomStore store = store(view, "b", clock);
        TableReadBack readBack = store.readBack(view.snapshot(), 10);
        assertThat(readBack.test(new StuckRoom("r1", "s1", 0, OptionalInt.of(2)))).isTrue();
        store.close(); // the connection is gone: the step fails at once

        assertThat(readBack.finish()).isZero();
    }

    private static RedisRoomStore store(FakeInventory view, String agent, Clock clock) {
        return RedisRoomStore.start(new RedisSettings(redis.uri(), prefix(), Duration.ofSeconds(1)), LIFETIMES, view,
                agent, clock);
    }

    private static String prefix() {
        return "readback";
    }

    private static Placement join(RedisRoomStore store, FakeInventory view, String room, String player) {
        return store.join(new JoinRequest(room, BE, 10, Optional.of(player)), view.snapshot()).toCompletableFuture()
                .join();
    }
}
