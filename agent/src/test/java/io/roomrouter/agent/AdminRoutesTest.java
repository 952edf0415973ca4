package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.TableReadBack;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdminRoutesTest {
    private final StubStore store = new StubStore();
    private final StaticInventory inventory = StaticInventory.parse(List.of("be_game=game1"), 10);
    private final AdminRoutes routes = new AdminRoutes(
            new AdminAccess(Optional.of(AdminToken.of("tok", "test")), true), store, inventory, StickTable.NONE,
            new AdminRoomApi(store, inventory, new RoomRelease(store, StickTable.NONE), new RecentDecisions(),
                    System::currentTimeMillis, Runnable::run), new AgentMetrics());

    @Test
    void healthIsReadyOrNotWithTheStoresReasonAndLiveEither() {
        assertThat(answer("GET", "/health", null)).isEqualTo(AdminRoutes.Response.of(200,
                "ok store=stub inventory=" + StaticInventory.parse(List.of("be_game=game1"), 10).describe()
                        + " backends=1"));
        store.unreachable = Optional.of("redis connection lost 5 ms ago");

        assertThat(answer("GET", "/health/ready", null).status()).isEqualTo(503);
        assertThat(answer("GET", "/health", null).body()).startsWith("not ready: redis connection lost 5 ms ago ");
        assertThat(answer("GET", "/health/live", null)).isEqualTo(AdminRoutes.Response.of(200, "alive"));
    }

    @Test
    void pathsMatchExactlyAndMethodsTooAfterTheToken() {
        assertThat(answer("GET", "/healthzzz", null).status()).isEqualTo(404);
        assertThat(answer("GET", "/health?x=1", null).status()).isEqualTo(200);
        assertThat(answer("GET", "/release?backend=be_game&room=r", null))
                .isEqualTo(new AdminRoutes.Response(405, "method GET (expected: POST)\n", "POST"));
        // A state change is checked for its token before its path: nothing is learnt without it.
        assertThat(answer("PUT", "/nowhere", null).status()).isEqualTo(401);
        assertThat(answer("PUT", "/health", "Bearer tok"))
                .isEqualTo(new AdminRoutes.Response(405, "method PUT (expected: GET)\n", "GET"));
    }

    @Test
    void releasesWithTheTokenAndForgetsNothingOnBadInput() {
        store.released = CompletableFuture.completedFuture(true);

        assertThat(answer("POST", "/release?backend=be_game&room=r%2D1", "Bearer tok"))
                .isEqualTo(AdminRoutes.Response.of(200, "released"));
        assertThat(store.releases).containsExactly("be_game/r-1");
        assertThat(answer("POST", "/release?backend=be_game", "Bearer tok").status()).isEqualTo(400);
        assertThat(answer("POST", "/release?backend=be_game&room=%E0%A4", "Bearer tok").body())
                .isEqualTo("'%E0%A4' is not UTF-8 once decoded\n");
        assertThat(store.releases).containsExactly("be_game/r-1");
    }

    @Test
    void aReleaseTheStoreNeverAnswersEndsIn503() throws Exception {
        store.released = new CompletableFuture<>();
        long start = System.nanoTime();

        AdminRoutes.Response response = routes.handle(new AdminRoutes.Request("POST",
                "/release?backend=be_game&room=r1", "Bearer tok", null, "")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(response).isEqualTo(AdminRoutes.Response.of(503, "release failed: TimeoutException"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .isBetween(RoomRelease.TIMEOUT_MILLIS - 100, RoomRelease.TIMEOUT_MILLIS + 2000);
        // The store's own stage is left alone: only the caller's copy timed out.
        assertThat(store.released).isNotDone();
    }

    private AdminRoutes.Response answer(String method, String uri, String authorization) {
        return routes.handle(new AdminRoutes.Request(method, uri, authorization, null, ""))
                .toCompletableFuture().join();
    }

    /** A store whose reachability and releases answer as the test says. */
    private static final class StubStore implements RoomStore {
        Optional<String> unreachable = Optional.empty();
        CompletableFuture<Boolean> released = CompletableFuture.completedFuture(false);
        final List<String> releases = new ArrayList<>();

        @Override
        public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
            throw new AssertionError("no join expected");
        }

        @Override
        public CompletionStage<Boolean> release(String backend, String room) {
            releases.add(backend + "/" + room);
            return released;
        }

        @Override
        public Optional<String> unreachable() {
            return unreachable;
        }

        @Override
        public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
            throw new UnsupportedOperationException("only the agent's start-up reads the stick table back");
        }

        @Override
        public String kind() {
            return "stub";
        }

        @Override
        public void close() {}
    }
}
