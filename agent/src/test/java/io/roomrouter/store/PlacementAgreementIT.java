package io.roomrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.ServerLoad;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One placement rule: every case runs through {@link PlacementPolicy#choose}, the memory store and the Redis store
 * with its script on a real redis-server, and all three must give the same server; both stores the same decision,
 * reason, fallback, load and capacity. The script spells the words of {@link Reasons} out itself: these cases are
 * what holds it to them.
 */
class PlacementAgreementIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(30), Duration.ofSeconds(60));
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    /** One join: the servers as HAProxy shows them then, the room, its size and client. */
    private record Step(List<ServerStatus> servers, String room, int size, String client) {}

    /**
     * A case: joins in order, all but the last to set the stage (both stores must agree on them too); the last
     * must give {@code decision} and, when it routes, the server that {@code candidates} name: the one candidate,
     * or of several (equally loaded) the one the room's rendezvous hash ranks highest.
     */
    private record Case(String name, RoomBounds bounds, List<Step> steps, Decision decision, List<String> candidates) {
        @Override
        public String toString() {
            return name;
        }

        Optional<String> expectedServer() {
            Step last = steps.get(steps.size() - 1);
            return RendezvousHash.pick(last.room(), candidates);
        }
    }

    private static ServerStatus s(String name, ServerState state, int capacity, int live) {
        return new ServerStatus(name, state, capacity, live);
    }

    private static ServerStatus up(String name, int capacity, int live) {
        return s(name, ServerState.UP, capacity, live);
    }

    private static Step step(String room, int size, ServerStatus... servers) {
        return new Step(List.of(servers), room, size, "");
    }

    private static Case placed(String name, Step step, String... candidates) {
        return new Case(name, RoomBounds.NONE, List.of(step), Decision.PLACED, List.of(candidates));
    }

    private static Case full(String name, Step step) {
        return new Case(name, RoomBounds.NONE, List.of(step), Decision.FULL, List.of());
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // Ties between empty servers, for several rooms: each room's rendezvous order breaks them.
        for (String room : List.of("r-a", "r-b", "r-c", "r-d", "r-e", "r-f", "r-g", "r-h")) {
            cases.add(placed("three empty servers, room " + room,
                    step(room, 10, up("s1", 100, 0), up("s2", 100, 0), up("s3", 100, 0)), "s1", "s2", "s3"));
            cases.add(placed("five servers, two least loaded, room " + room,
                    step(room, 4, up("g1", 50, 10), up("g2", 50, 7), up("g3", 50, 7), up("g4", 50, 30),
                            up("g5", 50, 8)), "g2", "g3"));
        }
        cases.add(placed("lowest load", step("r1", 10, up("s1", 100, 50), up("s2", 100, 20), up("s3", 100, 30)),
                "s2"));
        cases.add(placed("load relative to capacity",
                step("r2", 10, up("s1", 100, 30), up("s2", 20, 10), up("s3", 300, 60)), "s3"));
        cases.add(placed("equal ratios on different capacities tie",
                step("r3", 5, up("s1", 100, 10), up("s2", 200, 20), up("s3", 100, 50)), "s1", "s2"));
        cases.add(placed("the least loaded is too small for the room",
                step("r4", 10, up("s1", 8, 0), up("s2", 100, 50), up("s3", 100, 70)), "s2"));
        cases.add(placed("DRAIN takes no new room",
                step("r5", 10, s("s1", ServerState.DRAIN, 100, 0), up("s2", 100, 40), up("s3", 100, 30)), "s3"));
        cases.add(placed("MAINT and DOWN take none; an exact fit is a fit",
                step("r6", 10, s("s1", ServerState.MAINT, 100, 0), s("s2", ServerState.DOWN, 100, 0),
                        up("s3", 100, 90)), "s3"));
        cases.add(placed("size 10 fits the least loaded",
                step("r7", 10, up("s1", 100, 85), up("s2", 60, 50), up("s3", 160, 150)), "s2"));
        cases.add(placed("size 12 fits only a busier one",
                step("r7", 12, up("s1", 100, 85), up("s2", 60, 50), up("s3", 160, 150)), "s1"));
        cases.add(full("size 16 fits nowhere",
                step("r7", 16, up("s1", 100, 85), up("s2", 60, 50), up("s3", 160, 150))));
        cases.add(full("nothing UP has room",
                step("r8", 10, up("s1", 100, 95), s("s2", ServerState.DOWN, 100, 0),
                        s("s3", ServerState.DRAIN, 100, 0), s("s4", ServerState.MAINT, 100, 0))));
        cases.add(full("no servers", step("r9", 10)));
        cases.add(placed("size 1 in the last seat", step("r10", 1, up("s1", 10, 9), up("s2", 10, 10)), "s1"));

        ServerStatus[] two = {up("s1", 100, 0), up("s2", 100, 0)};
        cases.add(new Case("held seats count: the second room goes to the other server", RoomBounds.NONE,
                List.of(step("h1", 10, two), step("h2", 10, two)), Decision.PLACED,
                List.of(otherThan(RendezvousHash.pick("h1", List.of("s1", "s2")).orElseThrow(), "s1", "s2"))));
        cases.add(new Case("a room that lives on a server stays", RoomBounds.NONE,
                List.of(step("k1", 4, two), step("k1", 4, up("s1", 100, 0), up("s2", 100, 0))), Decision.STICKY,
                List.of(RendezvousHash.pick("k1", List.of("s1", "s2")).orElseThrow())));
        for (ServerState state : List.of(ServerState.DOWN, ServerState.MAINT)) {
            String room = "m-" + state;
            String from = RendezvousHash.pick(room, List.of("s1", "s2", "s3")).orElseThrow();
            List<ServerStatus> then = new ArrayList<>();
            for (String name : List.of("s1", "s2", "s3")) {
                then.add(name.equals(from) ? s(name, state, 100, 0) : up(name, 100, name.equals("s1") ? 10 : 0));
            }
            // Its fallback: the other server its rendezvous hash ranks highest (where it fits, all do here).
            String fallback = RendezvousHash.pick(room, otherNames(from)).orElseThrow();
            cases.add(new Case("a room whose server is " + state + " moves to its fallback", RoomBounds.NONE,
                    List.of(step(room, 4, up("s1", 100, 0), up("s2", 100, 0), up("s3", 100, 0)),
                            new Step(then, room, 4, "")),
                    Decision.MOVED, List.of(fallback)));
        }
        String leaving = RendezvousHash.pick("m-left", List.of("s1", "s2", "s3")).orElseThrow();
        List<ServerStatus> rest = new ArrayList<>();
        for (String name : otherNames(leaving)) {
            rest.add(up(name, 100, 0));
        }
        cases.add(new Case("a room whose server left moves to its fallback", RoomBounds.NONE,
                List.of(step("m-left", 4, up("s1", 100, 0), up("s2", 100, 0), up("s3", 100, 0)),
                        new Step(rest, "m-left", 4, "")),
                Decision.MOVED, List.of(RendezvousHash.pick("m-left", otherNames(leaving)).orElseThrow())));
        cases.add(new Case("a room whose server is DOWN, with no other server UP, is full", RoomBounds.NONE,
                List.of(step("m-full", 4, up("s1", 100, 0), s("s2", ServerState.DRAIN, 100, 0)),
                        step("m-full", 4, s("s1", ServerState.DOWN, 100, 0), s("s2", ServerState.DRAIN, 100, 0))),
                Decision.FULL, List.of()));
        cases.add(new Case("the backend's room limit", new RoomBounds(4, 1),
                List.of(step("l1", 4, two), step("l2", 4, two)), Decision.FULL, List.of()));
        cases.add(new Case("the client's bound of rooms waiting for players", new RoomBounds(1, 100),
                List.of(new Step(List.of(two), "c1", 4, "client-1"), new Step(List.of(two), "c2", 4, "client-1")),
                Decision.REJECTED, List.of()));
        return cases.stream();
    }

    private static List<String> otherNames(String excluded) {
        return Stream.of("s1", "s2", "s3").filter(name -> !name.equals(excluded)).toList();
    }

    private static String otherThan(String excluded, String a, String b) {
        return a.equals(excluded) ? b : a;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bothStoresFollowTheOneRule(Case c) {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, c.steps().get(0).servers().toArray(new ServerStatus[0]));
        MemoryRoomStore memory = new MemoryRoomStore(LIFETIMES, c.bounds(), clock::millis);
        try (RedisRoomStore shared = RedisRoomStore.start(
                new RedisSettings(redis.uri(), "agree" + PREFIXES.incrementAndGet(), Duration.ofSeconds(2)),
                LIFETIMES, c.bounds(), view, "a", clock)) {
            Placement inMemory = null;
            Placement inRedis = null;
            BackendSnapshot snapshot = null;
            int player = 0;
            for (Step step : c.steps()) {
                view.set(step.servers().toArray(new ServerStatus[0]));
                snapshot = view.snapshot();
                shared.publishNow().join(); // Redis weighs the connections this agent published
                JoinRequest request = new JoinRequest(step.room(), BE, step.size(), Optional.of("p" + ++player),
                        step.client().isEmpty() ? Optional.empty() : Optional.of(step.client()));
                inMemory = memory.join(request, snapshot).toCompletableFuture().join();
                inRedis = shared.join(request, snapshot).toCompletableFuture().join();
                assertThat(inRedis.decision()).as("decisions of %s", step).isEqualTo(inMemory.decision());
                assertThat(inRedis.server()).as("servers of %s", step).isEqualTo(inMemory.server());
                assertThat(inRedis.reason()).as("reasons of %s", step).isEqualTo(inMemory.reason());
                assertThat(inRedis.fallback()).as("fallbacks of %s", step).isEqualTo(inMemory.fallback());
                if (inMemory.decision() != Decision.STICKY) {
                    // A sticky join is answered from the Redis store's cache, which knows HAProxy's connections
                    // but not the seats Redis holds: its load is the live count alone.
                    assertThat(inRedis.load()).as("loads of %s", step).isEqualTo(inMemory.load());
                    assertThat(inRedis.capacity()).as("capacities of %s", step).isEqualTo(inMemory.capacity());
                }
            }
            assertThat(inMemory.decision()).isEqualTo(c.decision());
            assertThat(inMemory.server()).isEqualTo(c.expectedServer());
            assertThat(inMemory.reason()).isEqualTo(expectedReason(c, snapshot));
            if (c.steps().size() == 1) {
                // A new room on the servers as they are: the rule itself gives the same server.
                Step only = c.steps().get(0);
                List<ServerLoad> loads = only.servers().stream().map(server -> new ServerLoad(server, 0)).toList();
                assertThat(PlacementPolicy.choose(only.room(), only.size(), loads).map(ServerLoad::name))
                        .isEqualTo(c.expectedServer());
            }
        }
    }

    /**
     * The straggler hold, alike in both stores: a room of 10 on a server of 20 (window 30 s, straggler hold 10 s) with
     * {@code arrived} players in, then a room of 12, which fits only once the first room holds no seat. With 8 in
     * (four in five) the first room stops holding its 2 stragglers' seats 10 s after its 8th player; with 7 it holds
     * its 3 until its window ends. A straggler who comes after that still joins its room's server, full or not.
     */
    @ParameterizedTest(name = "{0} of 10 players in")
    @ValueSource(ints = {7, 8})
    void bothStoresGiveTheStragglersSeatsBackAlike(int arrived) {
        TestClock clock = new TestClock();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 20, 0));
        MemoryRoomStore memory = new MemoryRoomStore(LIFETIMES, RoomBounds.NONE, clock::millis);
        // The test clock moves the Redis store's monotonic time too: each join below is past its cache, so Redis
        // answers it and counts its arrival before it returns.
        try (RedisRoomStore shared = RedisRoomStore.start(
                new RedisSettings(redis.uri(), "agree" + PREFIXES.incrementAndGet(), Duration.ofSeconds(2)),
                LIFETIMES, view, "a", clock, clock::nanoTime)) {
            assertThat(joinBoth(memory, shared, view, "a", 10, "a1").decision()).isEqualTo(Decision.PLACED);
            for (int i = 2; i <= arrived; i++) {
                clock.advance(RedisRoomStore.CACHE_TTL.plusMillis(100));
                assertThat(joinBoth(memory, shared, view, "a", 10, "a" + i).decision()).isEqualTo(Decision.STICKY);
            }
            clock.advance(Duration.ofSeconds(1));
            view.set(up("s1", 20, arrived)); // HAProxy counts them: only the missing players' seats stay held
            Placement refused = joinBoth(memory, shared, view, "b", 12, "b1");
            assertThat(refused.decision()).isEqualTo(Decision.FULL);
            assertThat(refused.reason()).endsWith("s1 10/20");

            clock.advance(Duration.ofMillis(9_500)); // 10.5 s after the first room's last player
            Placement afterHold = joinBoth(memory, shared, view, "b", 12, "b1");
            assertThat(afterHold.decision()).isEqualTo(arrived >= 8 ? Decision.PLACED : Decision.FULL);

            clock.advance(Duration.ofSeconds(20)); // every window of the first room is over
            view.set(up("s1", 20, arrived + (arrived >= 8 ? 1 : 0)));
            Placement late = arrived >= 8 ? joinBoth(memory, shared, view, "a", 10, "a9") // its server is full
                    : joinBoth(memory, shared, view, "b", 12, "b1");
            assertThat(late.decision()).isEqualTo(arrived >= 8 ? Decision.STICKY : Decision.PLACED);
            assertThat(late.server()).contains("s1");
        }
    }

    // Publishes the inventory's counts to Redis, then joins through both stores, which must agree.
    private static Placement joinBoth(MemoryRoomStore memory, RedisRoomStore shared, FakeInventory view, String room,
            int size, String player) {
        shared.publishNow().join(); // Redis weighs the connections this agent published, and confirms arrivals
        BackendSnapshot snapshot = view.snapshot();
        JoinRequest request = new JoinRequest(room, BE, size, Optional.of(player));
        Placement inMemory = memory.join(request, snapshot).toCompletableFuture().join();
        Placement inRedis = shared.join(request, snapshot).toCompletableFuture().join();
        assertThat(inRedis.decision()).as("decisions of %s", request).isEqualTo(inMemory.decision());
        assertThat(inRedis.server()).as("servers of %s", request).isEqualTo(inMemory.server());
        assertThat(inRedis.reason()).as("reasons of %s", request).isEqualTo(inMemory.reason());
        if (inMemory.decision() != Decision.STICKY) {
            assertThat(inRedis.load()).as("loads of %s", request).isEqualTo(inMemory.load());
        }
        return inMemory;
    }

    // The reason each case must give, from Reasons: so that neither store's words can drift from it.
    private static String expectedReason(Case c, BackendSnapshot snapshot) {
        Step last = c.steps().get(c.steps().size() - 1);
        List<ServerLoad> loads = snapshot.servers().stream().map(server -> new ServerLoad(server, 0)).toList();
        return switch (c.decision()) {
            case PLACED -> Reasons.PLACED;
            case STICKY -> Reasons.STICKY;
            case REJECTED -> Reasons.clientBound(c.bounds().maxPendingPerClient());
            case MOVED -> {
                String from = c.steps().get(0).servers().stream().map(ServerStatus::name)
                        .filter(name -> snapshot.server(name).map(s -> !s.state().keepsRooms()).orElse(true))
                        .findFirst().orElseThrow();
                yield Reasons.toFallback(Reasons.serverGone(from, snapshot.server(from).map(ServerStatus::state)));
            }
            case FULL -> c.bounds().maxRooms() < Integer.MAX_VALUE ? Reasons.roomLimit(c.bounds().maxRooms())
                    : c.steps().size() > 1
                            ? Reasons.movedButNoServerFits("server s1 is DOWN", last.size(), loads)
                            : Reasons.noServerFits(last.size(), loads);
            default -> throw new AssertionError("no such case: " + c);
        };
    }
}
