package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RoomLifetimes;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.TableReadBack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class WarmupTest {
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(60), Duration.ofMinutes(30));

    @Test
    void everyJoinGoesThroughTheStoreAndEveryRoomIsReleasedAfter() throws Exception {
        MemoryRoomStore store = new MemoryRoomStore(LIFETIMES);

        // 10 joins of 4-player rooms: 3 rooms, first joins first, the last room with 2 players.
        Warmup.Result result = Warmup.run(store, 10, 4, AgentOptions.DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(5));

        assertThat(result.problem()).isEmpty();
        assertThat(result.acks()).isEqualTo(10);
        assertThat(result.decisions()).isEqualTo(Map.of("placed", 3, "sticky", 7));
        assertThat(result.rooms()).isEqualTo(3);
        assertThat(result.released()).isEqualTo(3);
        assertThat(store.roomCount(Warmup.BACKEND)).isZero();
    }

    @Test
    void aStoreThatDoesNotAnswerEndsTheWarmUpAtItsBudget() throws Exception {
        StoreAnswering silent = new StoreAnswering(null);

        Warmup.Result result = Warmup.run(silent, 200, 10, AgentOptions.DEFAULT_MAX_FRAME_SIZE, Duration.ofMillis(300));

        assertThat(result.acks()).isZero();
        assertThat(result.problem()).hasValueSatisfying(p -> assertThat(p).isEqualTo("stopped at its time budget, after 0 ACKs"));
        assertThat(result.millis()).isGreaterThanOrEqualTo(300);
        // Even the rooms whose joins never got an answer are released: the store may have placed them.
        assertThat(silent.released).hasSize(50).allSatisfy(r -> assertThat(r).startsWith(Warmup.BACKEND + "/warmup-"));
        assertThat(result.released()).isEqualTo(50);
    }

    @Test
    void aJoinWithoutAServerIsReportedWithItsReason() throws Exception {
        RoomStore full = new StoreAnswering(Placement.full("no server fits 10 seats"));

        Warmup.Result result = Warmup.run(full, 8, 10, AgentOptions.DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(5));

        assertThat(result.acks()).isEqualTo(8);
        assertThat(result.decisions()).isEqualTo(Map.of("full", 8));
        assertThat(result.problem()).contains("a join got no server: no server fits 10 seats");
    }

    /** Answers every join with one placement, or never when it is null; releases succeed and are recorded. */
    private static final class StoreAnswering implements RoomStore {
        final List<String> released = new ArrayList<>();
        private final Placement placement;

        StoreAnswering(Placement placement) {
            this.placement = placement;
        }

        @Override
        public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
            return placement == null ? new CompletableFuture<>() : CompletableFuture.completedFuture(placement);
        }

        @Override
        public synchronized CompletionStage<Boolean> release(String backend, String room) {
            released.add(backend + "/" + room);
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
            throw new UnsupportedOperationException("only the agent's start-up reads the stick table back");
        }

        @Override
        public String kind() {
            return "test";
        }

        @Override
        public void close() {}
    }
}
