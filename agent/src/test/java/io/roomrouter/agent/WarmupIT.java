package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.store.RedisRoomStore;
import io.roomrouter.store.RedisSettings;
import io.roomrouter.store.RoomLifetimes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The warm-up on the Redis store: its joins go through Redis, and Redis keeps no room and no seat of it after. */
class WarmupIT {
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(30));

    @Test
    void joinsGoThroughRedisAndLeaveNoRoomNorSeatBehind() throws Exception {
        try (RedisProcess redis = RedisProcess.start(Path.of("target", "redis-logs", "WarmupIT"));
                RedisRoomStore store = RedisRoomStore.start(
                        new RedisSettings(redis.uri(), "rr", Duration.ofMillis(500)), LIFETIMES,
                        StaticInventory.parse(List.of("be_game=game1,game2"), 100), "agent-a:1", Clock.systemUTC());
                RedisClient client = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {

            Warmup.Result result = Warmup.run(store, 400, 10, AgentOptions.DEFAULT_MAX_FRAME_SIZE,
                    Duration.ofSeconds(10));

            assertThat(result.problem()).isEmpty();
            assertThat(result.acks()).isEqualTo(400);
            assertThat(result.decisions()).isEqualTo(Map.of("placed", 100, "sticky", 300));
            assertThat(result.released()).isEqualTo(100);
            RedisCommands<String, String> redisCommands = connection.sync();
            String base = "rr:{" + Warmup.BACKEND + "}:";
            assertThat(redisCommands.hlen(base + "room")).isZero();
            assertThat(redisCommands.zcard(base + "rooms")).isZero();
            assertThat(redisCommands.hgetall(base + "load")).allSatisfy((field, value) -> {
                if (field.startsWith("held:")) {
                    assertThat(value).as(field).isEqualTo("0");
                }
            }).containsKey("held:warmup1");
            // The agent's real backend saw none of it.
            assertThat(redisCommands.hlen("rr:{be_game}:room")).isZero();
            assertThat(redisCommands.exists("rr:{be_game}:rooms", "rr:{be_game}:epoch")).isZero();
        }
    }
}
