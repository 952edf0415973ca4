package io.roomrouter.store;

import static io.roomrouter.store.FakeInventory.up;
import static io.roomrouter.store.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two stores ("agents", each with its own HAProxy view) sharing one real Redis. */
class RedisRoomStoreIT {
    private static final String BE = "be_game";
    private static final RoomLifetimes LIFETIMES = new RoomLifetimes(Duration.ofSeconds(5), Duration.ofSeconds(10));
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final String prefix = "t" + PREFIXES.incrementAndGet();

    @AfterEach
    void closeStores() throws Exception {
        for (AutoCloseable closeable : closing) {
            closeable.close();
        }
    }

    @Test
    void placesThenStaysOnTheSameServerFromEveryAgent() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, RedisSettings.DEFAULT_TIMEOUT.multipliedBy(25));
        RedisRoomStore b = store(redis.uri(), view, "b", clock, RedisSettings.DEFAULT_TIMEOUT.multipliedBy(25));

        Placement first = join(a, view, "r1", 4, "p1");
        assertThat(first.decision()).isEqualTo(Decision.PLACED);
        assertThat(first.reason()).isEqualTo("least-loaded");
        String server = first.server().orElseThrow();

        assertThat(join(a, view, "r1", 4, "p2")).satisfies(p -> {
            assertThat(p.decision()).isEqualTo(Decision.STICKY);
            assertThat(p.server()).contains(server);
        });
        assertThat(join(b, view, "r1", 4, "p3")).satisfies(p -> {
            assertThat(p.decision()).isEqualTo(Decision.STICKY);
            assertThat(p.server()).contains(server);
        });
        assertThat(serverOf(redis.raw(), prefix, "r1")).isEqualTo(server);
    }

    @Test
    void placesOnTheLeastLoadedServerWithTiesToTheRendezvousPick() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 1000, 0), up("s2", 1000, 0), up("s3", 1000, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        Map<String, Integer> seats = new HashMap<>(Map.of("s1", 0, "s2", 0, "s3", 0));
        for (int i = 0; i < 60; i++) {
            String room = "spread" + i;
            String server = join(a, view, room, 10, "p").server().orElseThrow();
            int least = Collections.min(seats.values());
            List<String> leastLoaded = seats.keySet().stream().filter(s -> seats.get(s) == least).sorted().toList();
            // Of the least loaded (all three every third room), the one the room's rendezvous hash ranks highest.
            assertThat(server).as(room).isEqualTo(RendezvousHash.pick(room, leastLoaded).orElseThrow());
            seats.merge(server, 10, Integer::sum);
        }
        assertThat(seats).containsOnly(Map.entry("s1", 200), Map.entry("s2", 200), Map.entry("s3", 200));
    }

    @Test
    void countsLiveLoadAndHeldSeatsAcrossAgents() {
        Clock clock = Clock.systemUTC();
        // Each agent's HAProxy sees only its own connections; only the sum shows both servers busy.
        FakeInventory viewA = new FakeInventory(BE, clock, up("s1", 10, 6), up("s2", 10, 0));
        FakeInventory viewB = new FakeInventory(BE, clock, up("s1", 10, 0), up("s2", 10, 5));
        RedisRoomStore a = store(redis.uri(), viewA, "a", clock, Duration.ofMillis(500));
        RedisRoomStore b = store(redis.uri(), viewB, "b", clock, Duration.ofMillis(500));
        a.publishNow().join();
        b.publishNow().join();

        Placement first = join(a, viewA, "r1", 4, "p1");
        assertThat(first.server()).contains("s2"); // 5/10 < 6/10
        assertThat(first.load()).as("5 live and the room's 4 seats").isEqualTo(9);
        assertThat(first.capacity()).isEqualTo(10);

        Placement second = join(b, viewB, "r2", 2, "p2");
        assertThat(second.server()).contains("s1"); // s1 6/10 < s2 5 live + 4 held = 9/10
        assertThat(second.load()).as("6 live and the room's 2 seats").isEqualTo(8);

        Placement third = join(a, viewA, "r3", 4, "p3");
        assertThat(third.decision()).isEqualTo(Decision.FULL); // s1 6+2+4 > 10, s2 9+4 > 10
        assertThat(third.server()).isEmpty();
        assertThat(redis.raw().hexists(prefix + ":{" + BE + "}:room", "r3")).isFalse();
    }

    @Test
    void anAgentsLoadIsInRedisBeforeItsFirstJoin() {
        Clock clock = Clock.systemUTC();
        // Alone on Redis: no other agent has published these servers' load.
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 40), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));

        assertThat(redis.raw().hget(prefix + ":{" + BE + "}:load", "live:s1")).isEqualTo("40");
        // No rendezvous tie between two servers Redis would think empty: every room goes to the emptier one.
        for (int i = 0; i < 5; i++) {
            assertThat(join(a, view, "first-" + i, 10, "p1").server()).as("first-" + i).contains("s2");
        }
    }

    @Test
    void confirmedArrivalsGiveHeldSeatsBackToLiveCounting() {
        TestClock clock = new TestClock();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 10, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        String load = prefix + ":{" + BE + "}:load";

        join(a, view, "r1", 4, "p1");
        join(a, view, "r1", 4, "p2");
        join(a, view, "r1", 4, "p1"); // the same player again is no new arrival
        assertThat(redis.raw().hget(load, "held:s1")).isEqualTo("4");
        // p2's join was answered from the cache; its arrival reaches the agent with its touch's reply. A query on
        // the same connection that sees it counted comes back after that reply.
        await(() -> a.room(BE, "r1").toCompletableFuture().join().map(RoomView::playersSeen).orElse(0) == 2,
                "the agent read p2's counted arrival");

        // A snapshot taken once both arrivals have settled: HAProxy counts them now.
        clock.advance(Duration.ofMillis(RoomLifetimes.ARRIVAL_SETTLE_MILLIS + 150));
        view.set(up("s1", 10, 2));
        a.publishNow().join();
        assertThat(redis.raw().hget(load, "held:s1")).isEqualTo("2");
        assertThat(join(a, view, "r2", 1, "q1").load()).isEqualTo(5); // 2 live + 2 held + r2's own seat
    }

    @Test
    void firstJoinsRedisIsTooSlowForAreRefusedAndItsLateAnswerStands() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(200));
        String load = prefix + ":{" + BE + "}:load";

        // Redis waits 300 ms. Rooms a and b go out as the two steps in flight; room c waits for a free step and its
        // 200 ms bound passes first. All three are refused: naming a server without Redis could split the room.
        List<CompletableFuture<Placement>> joins = firstJoinsWhileRedisWaits(a, view, 300, "a", "b", "c");
        joins.forEach(join -> {
            assertThat(join.join().decision()).isEqualTo(Decision.RETRY);
            assertThat(join.join().server()).isEmpty();
            assertThat(join.join().reason()).isEqualTo("room not placed yet; redis did not answer within 200 ms");
        });
        // Redis runs a's and b's steps after the pause; c, answered before it was sent, is never sent.
        await(() -> held(load, "s1") + held(load, "s2") == 8, "redis placed a and b after the pause");
        // Redis's state shows before the agent has read the replies that carry it.
        await(() -> a.knownRooms() == 2, "the agent read redis's late answers for a and b");
        assertThat(serverOf(redis.raw(), prefix, "c")).isNull();
        // The late answers stand: the players' retries go where Redis put the rooms, from the cache.
        long hitsBefore = a.cacheHits();
        Placement retried = join(a, view, "a", 4, "p1");
        assertThat(retried.decision()).isEqualTo(Decision.STICKY);
        assertThat(retried.server()).contains(serverOf(redis.raw(), prefix, "a"));
        assertThat(a.cacheHits()).isEqualTo(hitsBefore + 1);
    }

    @Test
    void aRoomRedisLostIsKeptWhereTheAgentKnowsIt() {
        TestClock clock = new TestClock();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0), up("s3", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        String home = join(a, view, "lost", 4, "p1").server().orElseThrow();
        // Its server is now the busiest: placed anew, the room would go elsewhere.
        view.set(java.util.stream.Stream.of("s1", "s2", "s3")
                .map(name -> up(name, 100, name.equals(home) ? 90 : 0)).toArray(ServerStatus[]::new));
        redis.raw().hdel(prefix + ":{" + BE + "}:room", "lost"); // Redis lost it (a restart without persistence, an eviction)
        redis.raw().zrem(prefix + ":{" + BE + "}:rooms", "lost");
        clock.advance(RedisRoomStore.CACHE_TTL.plusMillis(100)); // past the cache: the next join asks Redis

        Placement again = join(a, view, "lost", 4, "p2");

        assertThat(again.decision()).isEqualTo(Decision.STICKY);
        assertThat(again.server()).contains(home);
        assertThat(again.reason()).isEqualTo("room lives here; kept where an agent knew it");
        assertThat(serverOf(redis.raw(), prefix, "lost")).isEqualTo(home);
    }

    @Test
    void aJoinReadOnTheRedisLoopIsAnsweredThereWhetherRedisAnswersOrItsBoundPasses() throws Exception {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoop loop = group.next();
        RedisRoomStore store;
        try {
            store = RedisRoomStore.start(new RedisSettings(redis.uri(), prefix, RedisSettings.DEFAULT_TIMEOUT),
                    LIFETIMES, RoomBounds.NONE, view, "a", clock, loop);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        closing.add(store);
        closing.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync()); // after the store: its I/O
        Thread loopThread = loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);

        // As an SPOP event loop calls it: Redis answers, and the stage completes on that same thread.
        CompletedOn placed = joinOn(loop, store, view, "placed-here").get(5, TimeUnit.SECONDS);
        assertThat(placed.placement().decision()).isEqualTo(Decision.PLACED);
        assertThat(placed.thread()).isSameAs(loopThread);

        // Redis silent past the join's bound: the refusal also comes from the loop, not from a timer thread.
        redis.raw().clientPause(300);
        CompletedOn refused = joinOn(loop, store, view, "refused-here").get(5, TimeUnit.SECONDS);
        assertThat(refused.placement().decision()).isEqualTo(Decision.RETRY);
        assertThat(refused.placement().reason()).contains("did not answer within");
        assertThat(refused.thread()).isSameAs(loopThread);
    }

    private record CompletedOn(Placement placement, Thread thread) {}

    /** Joins {@code room} from {@code loop}; completes with the placement and the thread that completed it. */
    private static CompletableFuture<CompletedOn> joinOn(EventLoop loop, RedisRoomStore store, FakeInventory view,
            String room) {
        CompletableFuture<CompletedOn> completed = new CompletableFuture<>();
        loop.execute(() -> store.join(request(room, 4, "p1"), view.snapshot()).whenComplete((placement, error) -> {
            if (error != null) {
                completed.completeExceptionally(error);
            } else {
                completed.complete(new CompletedOn(placement, Thread.currentThread()));
            }
        }));
        return completed;
    }

    @Test
    void aSilentRedisIsFoundWithinASecondThenNewRoomsAreRefusedAtOnceAndKnownRoomsKeepTheirServer() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, RedisSettings.DEFAULT_TIMEOUT);
        String home = join(a, view, "known", 4, "p1").server().orElseThrow();

        // The watch measures silence in real time (RedisWatch): the test polls for it, each join waiting out its
        // own bound until the watch speaks, then times a few joins more while Redis is still paused.
        redis.raw().clientPause(2500);
        long pausedAt = System.nanoTime();
        long foundAfterMillis = -1;
        long slowestAfterMillis = 0;
        int refused = 0;
        int afterFound = 0;
        while (afterFound < 20) {
            long start = System.nanoTime();
            assertThat(TimeUnit.NANOSECONDS.toMillis(start - pausedAt))
                    .as("ms since the pause, the watch not speaking or 20 joins after it not done").isLessThan(2000);
            Placement fresh = join(a, view, "new" + refused, 4, "p1");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(fresh.decision()).isEqualTo(Decision.RETRY);
            assertThat(millis).isLessThan(RedisSettings.DEFAULT_TIMEOUT.toMillis() + 100);
            refused++;
            if (foundAfterMillis < 0 && fresh.reason().contains("silent for")) {
                foundAfterMillis = TimeUnit.NANOSECONDS.toMillis(start - pausedAt);
            } else if (foundAfterMillis >= 0) {
                slowestAfterMillis = Math.max(slowestAfterMillis, millis);
                afterFound++;
            }
        }
        Placement known = join(a, view, "known", 4, "p2");
        System.out.printf("redis silent: found after %d ms; slowest join after that %d ms; %d joins refused%n",
                foundAfterMillis, slowestAfterMillis, refused);
        assertThat(foundAfterMillis).isBetween(0L, 1000L);
        assertThat(slowestAfterMillis).isLessThan(20);
        assertThat(known.decision()).isEqualTo(Decision.STICKY);
        assertThat(known.server()).contains(home);

        await(() -> a.lastReconciliation() != null, "reconciled once redis answers again");
        assertThat(a.lastReconciliation().total()).isGreaterThanOrEqualTo(1);
        assertThat(a.lastReconciliation().conflicts()).isZero();
        await(() -> join(a, view, "after", 4, "p1").decision() == Decision.PLACED, "new rooms placed again");
    }

    @Test
    void concurrentFirstJoinsAtTwoAgentsGetOneServerPerRoom() throws Exception {
        Clock clock = Clock.systemUTC();
        ServerStatus[] servers = {up("s1", 100_000, 0), up("s2", 100_000, 0), up("s3", 100_000, 0)};
        FakeInventory viewA = new FakeInventory(BE, clock, servers);
        FakeInventory viewB = new FakeInventory(BE, clock, servers);
        RedisRoomStore a = store(redis.uri(), viewA, "a", clock, Duration.ofSeconds(2));
        RedisRoomStore b = store(redis.uri(), viewB, "b", clock, Duration.ofSeconds(2));
        int rooms = 500;
        List<CompletableFuture<Placement>> fromA = new ArrayList<>();
        List<CompletableFuture<Placement>> fromB = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<Void> left = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < rooms; i++) {
                    fromA.add(a.join(request("race" + i, 2, "a" + i), viewA.snapshot()).toCompletableFuture());
                }
            }, callers);
            CompletableFuture<Void> right = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < rooms; i++) {
                    fromB.add(b.join(request("race" + i, 2, "b" + i), viewB.snapshot()).toCompletableFuture());
                }
            }, callers);
            CompletableFuture.allOf(left, right).get(30, TimeUnit.SECONDS);
        } finally {
            callers.shutdown();
        }
        int placedOnce = 0;
        for (int i = 0; i < rooms; i++) {
            Placement pa = fromA.get(i).get(10, TimeUnit.SECONDS);
            Placement pb = fromB.get(i).get(10, TimeUnit.SECONDS);
            assertThat(pa.server()).as("room race%d", i).isEqualTo(pb.server()).isPresent();
            List<Decision> decisions = List.of(pa.decision(), pb.decision());
            assertThat(decisions).as("room race%d: %s / %s", i, pa, pb).containsExactlyInAnyOrder(Decision.PLACED, Decision.STICKY);
            placedOnce++;
        }
        assertThat(placedOnce).isEqualTo(rooms);
        assertThat(redis.raw().zcard(prefix + ":{" + BE + "}:rooms")).isEqualTo(rooms);
    }

    @Test
    void movesARoomWhoseServerWentToMaintenanceAndInvalidatesOtherAgentsCaches() {
        Clock clock = Clock.systemUTC();
        // s2 busy, so every room goes to s1 first.
        FakeInventory viewA = new FakeInventory(BE, clock, up("s1", 1000, 0), up("s2", 1000, 500));
        FakeInventory viewB = new FakeInventory(BE, clock, up("s1", 1000, 0), up("s2", 1000, 0));
        RedisRoomStore a = store(redis.uri(), viewA, "a", clock, Duration.ofMillis(500));
        RedisRoomStore b = store(redis.uri(), viewB, "b", clock, Duration.ofMillis(500));
        a.publishNow().join();
        int rooms = 20;
        for (int i = 0; i < rooms; i++) {
            assertThat(join(a, viewA, "m" + i, 2, "p1").server()).contains("s1");
        }
        long hitsBefore = a.cacheHits();
        for (int i = 0; i < rooms; i++) {
            assertThat(join(a, viewA, "m" + i, 2, "p2").server()).contains("s1");
        }
        assertThat(a.cacheHits() - hitsBefore).as("joins to known rooms answered from the cache").isEqualTo(rooms);

        // Only agent B's HAProxy sees s1 in maintenance; agent A still sees it UP and has it cached.
        viewB.set(new ServerStatus("s1", ServerState.MAINT, 1000, 0), up("s2", 1000, 0));
        long eventsBefore = a.invalidations();
        for (int i = 0; i < rooms; i++) {
            Placement moved = join(b, viewB, "m" + i, 2, "p3");
            assertThat(moved.decision()).isEqualTo(Decision.MOVED);
            assertThat(moved.server()).contains("s2");
            assertThat(moved.reason()).isEqualTo("server s1 is MAINT; to its fallback"); // s2, the only other
        }
        await(() -> a.invalidations() - eventsBefore >= rooms, "agent A received the move events");
        for (int i = 0; i < rooms; i++) {
            Placement after = join(a, viewA, "m" + i, 2, "p4");
            assertThat(after.decision()).isEqualTo(Decision.STICKY);
            assertThat(after.server()).as("room m%d after the move, seen from agent A", i).contains("s2");
        }
    }

    @Test
    void aGameServerReleasesARoomThroughTheDocumentedKeys() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 10, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        join(a, view, "g1", 10, "p1");
        assertThat(join(a, view, "g1", 10, "p2").decision()).isEqualTo(Decision.STICKY);
        assertThat(join(a, view, "g2", 1, "p3").decision()).isEqualTo(Decision.FULL);

        // docs/redis-keys.md, "Releasing a room from a game server".
        redis.raw().zadd(prefix + ":{" + BE + "}:rooms", 0, "g1");
        redis.raw().publish(prefix + ":events", BE + " g1");

        await(() -> join(a, view, "g1", 10, "p4").decision() != Decision.STICKY, "the release reached agent A");
        assertThat(redis.raw().hget(prefix + ":{" + BE + "}:load", "held:s1")).isEqualTo("10"); // g1 again, placed anew
        assertThat(a.release(BE, "g1").toCompletableFuture().join()).isTrue();
        assertThat(a.release(BE, "g1").toCompletableFuture().join()).isFalse();
        assertThat(redis.raw().hget(prefix + ":{" + BE + "}:load", "held:s1")).isEqualTo("0");
        assertThat(join(a, view, "g2", 1, "p3").decision()).isEqualTo(Decision.PLACED);
    }

    @Test
    void aDamagedRoomValueOrKeyCostsThatRoomOnlyNotTheBackend() {
        TestClock clock = new TestClock();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        String base = prefix + ":{" + BE + "}:";
        String home = join(a, view, "kept", 4, "p1").server().orElseThrow();
        // A value no agent wrote, indexed as already idle, so that the sweep meets it first; a damaged live room; a
        // holds entry without a server; a load field that is no number.
        redis.raw().hset(base + "room", "junk", "x");
        redis.raw().zadd(base + "rooms", 0, "junk");
        redis.raw().hset(base + "room", "damaged", "s1 not-a-value");
        redis.raw().zadd(base + "rooms", (double) (clock.millis() + 60_000), "damaged");
        redis.raw().zadd(base + "holds", 0, "no-server");
        redis.raw().hset(base + "seats", "no-server", "7");
        redis.raw().hset(base + "load", "held:s2", "lots");

        for (int i = 0; i < 5; i++) {
            Placement placed = join(a, view, "new" + i, 4, "p1");
            assertThat(placed.decision()).as("new%d: %s", i, placed.reason()).isEqualTo(Decision.PLACED);
        }
        assertThat(join(a, view, "damaged", 4, "p1").decision()).as("placed anew").isEqualTo(Decision.PLACED);
        clock.advance(RedisRoomStore.CACHE_TTL.plusMillis(100)); // past the cache: the next join asks Redis
        Placement kept = join(a, view, "kept", 4, "p2");
        assertThat(kept.decision()).isEqualTo(Decision.STICKY);
        assertThat(kept.server()).contains(home);
        assertThat(redis.raw().hget(base + "room", "junk")).isNull();
        assertThat(a.publishNow()).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void seatsComeBackWhenTheWindowClosesAndRoomsEndWhenIdle() {
        TestClock clock = new TestClock();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 10, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        assertThat(join(a, view, "big", 10, "p1").decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "small", 1, "q1").decision()).isEqualTo(Decision.FULL);

        // Window over (windows ending within the same 100 ms give their seats back together, at the bucket's end,
        // docs/redis-keys.md): only live connections count.
        clock.advance(LIFETIMES.reservationWindow().plusMillis(100));
        view.set(up("s1", 10, 1));
        assertThat(join(a, view, "small", 1, "q1").decision()).isEqualTo(Decision.PLACED);
        assertThat(join(a, view, "big", 10, "p2").decision()).isEqualTo(Decision.STICKY);

        clock.advance(LIFETIMES.idleTimeout().plusMillis(1)); // both rooms idle: they end
        // Placed anew, as a room of 9: whether or not the agent published its live count of 1 since (every 200 ms,
        // on its own thread), 9 seats fit where 10 may not.
        assertThat(join(a, view, "big", 9, "p3").decision()).isEqualTo(Decision.PLACED);
        assertThat(redis.raw().zscore(prefix + ":{" + BE + "}:rooms", "small")).isNull();
    }

    @Test
    void withoutRedisKnownRoomsKeepTheirServerNewRoomsAreRefusedAtOnceThenReconciled() throws InterruptedException {
        Clock clock = Clock.systemUTC();
        Duration timeout = RedisSettings.DEFAULT_TIMEOUT;
        try (RedisProcess own = RedisProcess.start(SharedRedis.logDir("RedisRoomStoreIT-down"))) {
            ServerStatus[] servers = {up("s1", 1000, 0), up("s2", 1000, 0), up("s3", 1000, 0)};
            FakeInventory viewA = new FakeInventory(BE, clock, servers);
            FakeInventory viewB = new FakeInventory(BE, clock, servers);
            RedisRoomStore a = store(own.uri(), viewA, "a", clock, timeout);
            RedisRoomStore b = store(own.uri(), viewB, "b", clock, timeout);
            List<String> knownServers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                knownServers.add(join(a, viewA, "k" + i, 4, "p1").server().orElseThrow());
            }

            own.kill();
            long worstNanos = 0;
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                Placement known = join(a, viewA, "k" + i, 4, "p2");
                worstNanos = Math.max(worstNanos, System.nanoTime() - start);
                assertThat(known.server()).as("known room k%d", i).contains(knownServers.get(i));
            }
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                Placement onA = join(a, viewA, "d" + i, 4, "p1");
                long mid = System.nanoTime();
                Placement onB = join(b, viewB, "d" + i, 4, "p2");
                worstNanos = Math.max(worstNanos, Math.max(mid - start, System.nanoTime() - mid));
                assertThat(List.of(onA, onB)).allSatisfy(p -> {
                    assertThat(p.decision()).isEqualTo(Decision.RETRY);
                    assertThat(p.server()).isEmpty();
                });
            }
            long worstMillis = TimeUnit.NANOSECONDS.toMillis(worstNanos);
            System.out.printf("redis down: slowest join %d ms (bound %d ms)%n", worstMillis, timeout.toMillis());
            assertThat(worstMillis).isLessThan(timeout.toMillis());

            own.restart();
            await(() -> a.lastReconciliation() != null, "agent a reconciled");
            Reconciliation ra = a.lastReconciliation();
            // An attempt cut short by a second reconnect may already have given Redis some rooms: only the total
            // and the servers are fixed.
            assertThat(ra.total()).isEqualTo(10);
            assertThat(ra.adopted()).isBetween(1, 10); // Redis restarted empty
            assertThat(ra.conflicts()).isZero();
            try (RedisClient client = RedisClient.create(own.uri());
                    StatefulRedisConnection<String, String> connection = client.connect()) {
                for (int i = 0; i < 10; i++) {
                    assertThat(serverOf(connection.sync(), RedisSettings.DEFAULT_PREFIX, "k" + i))
                            .isEqualTo(knownServers.get(i));
                }
            }
            await(() -> join(b, viewB, "k0", 4, "p9").decision() == Decision.STICKY, "redis answers again");
            for (int i = 0; i < 10; i++) {
                Placement again = join(b, viewB, "k" + i, 4, "p9");
                assertThat(again.decision()).isEqualTo(Decision.STICKY);
                assertThat(again.server()).contains(knownServers.get(i));
            }
            for (int i = 0; i < 20; i++) {
                Placement onB = join(b, viewB, "d" + i, 4, "p2");
                assertThat(onB.decision()).isEqualTo(Decision.PLACED);
                assertThat(join(a, viewA, "d" + i, 4, "p1").server()).isEqualTo(onB.server());
            }
        }
    }

    @Test
    void concurrentFirstJoinsOfTheSameRoomsFromSeveralThreadsGetOneServerPerRoom() throws Exception {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock,
                up("s1", 100_000, 0), up("s2", 100_000, 0), up("s3", 100_000, 0), up("s4", 100_000, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofSeconds(2));
        int rooms = 400;
        int threads = 4;
        List<List<CompletableFuture<Placement>>> byThread = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            List<CompletableFuture<Void>> sending = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<CompletableFuture<Placement>> mine = Collections.synchronizedList(new ArrayList<>());
                byThread.add(mine);
                int thread = t;
                // Every thread joins every room, so that batches hold several joins of one room.
                sending.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < rooms; i++) {
                        mine.add(a.join(request("same" + i, 8, "t" + thread), view.snapshot()).toCompletableFuture());
                    }
                }, callers));
            }
            CompletableFuture.allOf(sending.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        } finally {
            callers.shutdown();
        }
        for (int i = 0; i < rooms; i++) {
            List<Placement> placements = new ArrayList<>();
            for (List<CompletableFuture<Placement>> mine : byThread) {
                placements.add(mine.get(i).get(10, TimeUnit.SECONDS));
            }
            String server = serverOf(redis.raw(), prefix, "same" + i);
            assertThat(placements).as("room same%d", i).allSatisfy(p -> assertThat(p.server()).contains(server));
            assertThat(placements.stream().filter(p -> p.decision() == Decision.PLACED)).as("room same%d", i)
                    .hasSize(1);
            assertThat(placements.stream().filter(p -> p.decision() == Decision.STICKY)).as("room same%d", i)
                    .hasSize(threads - 1);
            // Four different players inside the window: four arrivals, those answered from the cache once their
            // touches have run; a touch dropped because too many waited (by design, see RedisJoinBatcher) leaves
            // its player uncounted.
            String room = "same" + i;
            await(() -> a.droppedTouches() > 0
                    || redis.raw().hget(prefix + ":{" + BE + "}:room", room).split(" ", -1)[3].equals("4"), room + ": 4 arrivals");
            assertThat(Integer.parseInt(redis.raw().hget(prefix + ":{" + BE + "}:room", room).split(" ", -1)[3]))
                    .as("arrivals of %s, %d touches dropped", room, a.droppedTouches())
                    .isBetween(a.droppedTouches() > 0 ? 1 : 4, 4);
        }
        int held = 0;
        for (String server : List.of("s1", "s2", "s3", "s4")) {
            String value = redis.raw().hget(prefix + ":{" + BE + "}:load", "held:" + server);
            held += value == null ? 0 : Integer.parseInt(value);
        }
        assertThat(held).as("seats held: every room once").isEqualTo(rooms * 8);
    }

    @Test
    void joinsOfOneRoomInOneStepArePlacedThenStickyAsInSeparateSteps() {
        List<ServerStatus> servers = List.of(up("s1", 100, 0), up("s2", 100, 0));
        RedisLayout layout = new RedisLayout(prefix);
        long now = System.currentTimeMillis();
        List<String> args = layout.batchHead(BE, now, LIFETIMES, servers, Integer.MAX_VALUE);
        String order = RedisLayout.rendezvousPositions("one", servers);
        String p1 = RedisLayout.playerHash("p1");
        args.addAll(List.of("j", "one", "4", p1, order, ""));
        args.addAll(List.of("j", "one", "4", RedisLayout.playerHash("p2"), order, ""));
        args.addAll(List.of("j", "one", "4", p1, order, "")); // the same player again: no new arrival
        args.addAll(List.of("t", "one", "no-such-epoch", p1, "", ""));
        args.addAll(List.of("j", "two", "4", p1, RedisLayout.rendezvousPositions("two", servers), ""));
        List<Object> reply = runScript(layout, args);
        assertThat(reply).hasSize(5 * RedisJoinBatcher.VALUES_PER_ENTRY);

        JoinReply first = JoinReply.of(entry(reply, 0));
        JoinReply second = JoinReply.of(entry(reply, 1));
        JoinReply again = JoinReply.of(entry(reply, 2));
        JoinReply two = JoinReply.of(entry(reply, 4));
        String other = first.server().equals("s1") ? "s2" : "s1";
        assertThat(first.fallback()).as("the only other server, where the room fits").isEqualTo(other);
        assertThat(second.fallback()).isEqualTo(other);
        assertThat(first.decision()).isEqualTo(Decision.PLACED);
        assertThat(first.load()).as("with the room's own held seats").isEqualTo(4);
        assertThat(first.arrivalCounted()).isTrue();
        assertThat(second.decision()).isEqualTo(Decision.STICKY);
        assertThat(second.server()).isEqualTo(first.server());
        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.load()).as("the room's own held seats, placed earlier in the step").isEqualTo(4);
        assertThat(second.arrivalCounted()).isTrue();
        assertThat(again.decision()).isEqualTo(Decision.STICKY);
        assertThat(again.arrivalCounted()).isFalse();
        assertThat(entry(reply, 3)).containsExactly("0", "0", "", "", "", "", "", "");
        assertThat(two.decision()).isEqualTo(Decision.PLACED);
        assertThat(two.epoch()).isNotEqualTo(first.epoch());
        // The least loaded: the server "one" is not on; its load counts "two" alone.
        assertThat(two.server()).isNotEqualTo(first.server());
        assertThat(two.load()).isEqualTo(4);

        String base = prefix + ":{" + BE + "}:";
        String[] value = redis.raw().hget(base + "room", "one").split(" ", -1);
        assertThat(value[0]).as("the usual fallback, the other server, is not spelled out").isEqualTo(first.server());
        assertThat(value[1]).isEqualTo(first.epoch());
        assertThat(value[3]).as("arrivals").isEqualTo("2");
        assertThat(value[4]).as("held").isEqualTo("4");
        assertThat(redis.raw().zscore(base + "rooms", "one")).isEqualTo((double) (now + LIFETIMES.idleTimeout().toMillis()));
        assertThat(redis.raw().zcard(base + "holds")).isEqualTo(first.server().equals(two.server()) ? 1 : 2);
        int heldSeats = 0;
        for (String seats : redis.raw().hvals(base + "seats")) {
            heldSeats += Integer.parseInt(seats);
        }
        assertThat(heldSeats).isEqualTo(8);
        assertThat(Integer.parseInt(redis.raw().hget(base + "load", "held:s1"))
                + Integer.parseInt(redis.raw().hget(base + "load", "held:s2"))).isEqualTo(8);

        // The next step sees what this one wrote, as a step of its own would.
        List<String> next = layout.batchHead(BE, now + 1, LIFETIMES, servers, Integer.MAX_VALUE);
        next.addAll(List.of("t", "one", first.epoch(), RedisLayout.playerHash("p3"), "", ""));
        next.addAll(List.of("j", "one", "4", RedisLayout.playerHash("p4"), order, ""));
        List<Object> later = runScript(layout, next);
        assertThat(entry(later, 0)).containsExactly("1", "1", "", "", "", "", "", "");
        assertThat(JoinReply.of(entry(later, 1))).satisfies(r -> {
            assertThat(r.decision()).isEqualTo(Decision.STICKY);
            assertThat(r.arrivalCounted()).isTrue();
        });
        assertThat(redis.raw().hget(base + "room", "one").split(" ", -1)[3]).as("arrivals").isEqualTo("4");
        assertThat(redis.raw().hget(base + "room", "one").split(" ", -1)).hasSize(6); // full: player hashes dropped
    }

    @Test
    void aRoomMovedOffAServerInMaintenanceGoesToTheFallbackItWasLastGiven() {
        Clock clock = Clock.systemUTC();
        ServerStatus[] start = {up("s1", 100, 0), up("s2", 100, 0), up("s3", 100, 0), up("s4", 100, 0)};
        FakeInventory view = new FakeInventory(BE, clock, start);
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofMillis(500));
        for (String room : List.of("mv1", "mv2", "mv3")) {
            Placement placed = join(a, view, room, 4, "p1");
            String from = placed.server().orElseThrow();
            List<String> others = rankedWithout(room, start, from);
            String firstChoice = others.get(0);
            String secondChoice = others.get(1);
            assertThat(placed.fallback()).as(room).contains(firstChoice);
            // mv1: its fallback is busy but fits; mv2: its fallback is full, yet HAProxy has been sending the room's
            // players there since it saw the room's server down: the room follows them; mv3: its fallback is in
            // maintenance too, so the room goes to the next UP server of its rendezvous order.
            List<ServerStatus> now = new ArrayList<>();
            for (ServerStatus server : start) {
                boolean down = server.name().equals(from) || (room.equals("mv3") && server.name().equals(firstChoice));
                int live = server.name().equals(firstChoice) ? (room.equals("mv1") ? 90 : 98) : 0;
                now.add(new ServerStatus(server.name(), down ? ServerState.MAINT : ServerState.UP, 100, live));
            }
            view.set(now.toArray(new ServerStatus[0]));
            a.publishNow().join();
            Placement moved = join(a, view, room, 4, "p2");
            assertThat(moved.decision()).as(room).isEqualTo(Decision.MOVED);
            assertThat(moved.reason()).as(room).isEqualTo("server " + from + " is MAINT; to its fallback");
            assertThat(moved.server()).as(room).contains(room.equals("mv3") ? secondChoice : firstChoice);
            view.set(start);
            a.publishNow().join();
        }
        // A new room still goes to the least loaded, not down the rendezvous order.
        view.set(up("s1", 100, 90), up("s2", 100, 90), up("s3", 100, 90), up("s4", 100, 0));
        a.publishNow().join();
        assertThat(join(a, view, "fresh", 4, "p1").server()).contains("s4");
    }

    @Test
    void aReleaseAfterAFirstJoinStillWaitingForRedisEndsTheRoom() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock, up("s1", 100, 0), up("s2", 100, 0));
        RedisRoomStore a = store(redis.uri(), view, "a", clock, Duration.ofSeconds(2));
        String rooms = prefix + ":{" + BE + "}:room";

        // While Redis waits, q1 and q2 are the two steps in flight and q3's first join queues behind them; the
        // game platform then ends q3 (its match was cancelled). The release must not reach Redis before the join.
        List<CompletableFuture<Placement>> joins = firstJoinsWhileRedisWaits(a, view, 200, "q1", "q2", "q3");
        CompletableFuture<Boolean> released = a.release(BE, "q3").toCompletableFuture();
        joins.forEach(join -> assertThat(join.join().decision()).isEqualTo(Decision.PLACED));
        assertThat(released.join()).as("the room existed when the release came").isTrue();
        assertThat(redis.raw().hexists(rooms, "q3")).isFalse();
        assertThat(redis.raw().hexists(rooms, "q1")).isTrue();
    }

    @Test
    void theFallbackCountsWhatEveryAgentsHaproxyHasAndIsWhereTheRoomMoves() {
        Clock clock = Clock.systemUTC();
        ServerStatus[] idle = {up("s1", 10, 0), up("s2", 10, 0), up("s3", 10, 0)};
        FakeInventory viewA = new FakeInventory(BE, clock, idle);
        FakeInventory viewB = new FakeInventory(BE, clock, idle);
        RedisRoomStore a = store(redis.uri(), viewA, "a", clock, Duration.ofMillis(500));
        RedisRoomStore b = store(redis.uri(), viewB, "b", clock, Duration.ofMillis(500));
        String server = join(b, viewB, "y", 4, "p1").server().orElseThrow();
        List<String> others = rankedWithout("y", idle, server);
        String first = others.get(0);
        String second = others.get(1);

        // Only B's HAProxy has connections on the room's first choice: 8 of 10 seats, no room of 4 fits there.
        List<ServerStatus> busy = new ArrayList<>();
        for (ServerStatus status : idle) {
            busy.add(status.name().equals(first) ? new ServerStatus(first, ServerState.UP, 10, 8) : status);
        }
        viewB.set(busy.toArray(new ServerStatus[0]));
        b.publishNow().join();
        a.publishNow().join();

        Placement sticky = join(a, viewA, "y", 4, "p2"); // A sees no connections anywhere
        assertThat(sticky.decision()).isEqualTo(Decision.STICKY);
        assertThat(sticky.fallback()).as("weighed on every agent's connections, not A's alone").contains(second);
        assertThat(redis.raw().hget(prefix + ":{" + BE + "}:room", "y")).as("not the usual fallback: kept with the room")
                .startsWith(server + "/" + second + " ");

        List<ServerStatus> failed = new ArrayList<>();
        for (ServerStatus status : idle) {
            failed.add(status.name().equals(server) ? new ServerStatus(server, ServerState.MAINT, 10, 0) : status);
        }
        viewA.set(failed.toArray(new ServerStatus[0]));
        Placement moved = join(a, viewA, "y", 4, "p3");
        assertThat(moved.decision()).isEqualTo(Decision.MOVED);
        assertThat(moved.server()).as("where HAProxy sent the room's players meanwhile").contains(second);
    }

    @Test
    void reconcilesKnownRoomsInPacedStepsWhileFirstJoinsGoOn() throws InterruptedException {
        Clock clock = Clock.systemUTC();
        // 20 000 rooms, 79 steps: enough for first joins to meet the reconciliation many times over. Paranoid leak
        // detection, on for every other test, tracks each of Lettuce's buffers with a stack trace and makes a step
        // of 256 rooms ten times slower than in the product (200 000 rooms: 3.4 s without it, 25 s with it), so the
        // pacing a first join meets would be the detector's: sampled here, as the product runs.
        int rooms = 20_000;
        ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        try (RedisProcess own = RedisProcess.start(SharedRedis.logDir("RedisRoomStoreIT-reconcile"))) {
            FakeInventory view = new FakeInventory(BE, clock,
                    up("s1", 10_000_000, 0), up("s2", 10_000_000, 0), up("s3", 10_000_000, 0));
            RedisRoomStore a = RedisRoomStore.start(RedisSettings.of(own.uri()),
                    new RoomLifetimes(Duration.ofMinutes(5), Duration.ofMinutes(10)), view, "a", clock);
            closing.add(a);
            List<Integer> toPlace = new ArrayList<>();
            for (int i = 0; i < rooms; i++) {
                toPlace.add(i);
            }
            while (!toPlace.isEmpty()) { // a join refused (retry) on this busy machine is simply tried again
                List<Integer> refused = new ArrayList<>();
                for (int from = 0; from < toPlace.size(); from += 64) {
                    List<Integer> window = toPlace.subList(from, Math.min(from + 64, toPlace.size()));
                    List<CompletableFuture<Placement>> joins = window.stream().map(i ->
                            a.join(request("known" + i, 4, "p"), view.snapshot()).toCompletableFuture()).toList();
                    for (int k = 0; k < window.size(); k++) {
                        if (joins.get(k).join().server().isEmpty()) {
                            refused.add(window.get(k));
                        }
                    }
                }
                toPlace = refused;
            }

            own.kill();
            own.restart(); // empty: every known room must be offered again
            await(() -> join(a, view, "first-after", 4, "p").decision() == Decision.PLACED, "redis answers again");
            // Polls for the reconciliation's end, a first join at each look: what players meet while it runs.
            AtomicLong slowestNanos = new AtomicLong();
            AtomicInteger joins = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            await(Duration.ofSeconds(60), () -> {
                long start = System.nanoTime();
                Placement placement = join(a, view, "during" + joins.getAndIncrement(), 4, "p");
                slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                if (placement.decision() != Decision.PLACED) {
                    refused.incrementAndGet();
                }
                return a.lastReconciliation() != null;
            }, "reconciled within a minute");
            Reconciliation result = a.lastReconciliation();
            System.out.printf("reconciled %d rooms; %d first joins meanwhile, %d refused, slowest %d ms%n",
                    result.total(), joins.get(), refused.get(), TimeUnit.NANOSECONDS.toMillis(slowestNanos.get()));
            // Also the few rooms the joins above placed before the reconciliation began.
            assertThat(result.total()).isBetween(rooms, rooms + joins.get());
            assertThat(result.adopted()).isGreaterThanOrEqualTo(rooms);
            assertThat(result.adopted() + result.kept()).isEqualTo(result.total());
            assertThat(result.conflicts()).isZero();
            // All the offers at once would queue every first join behind all of them (seconds here); a step at a
            // time, a first join waits for one step at most.
            assertThat(joins.get()).as("first joins answered while the reconciliation ran").isGreaterThan(1);
            assertThat(refused.get()).as("first joins refused of %d", joins).isLessThanOrEqualTo(joins.get() / 2);
            assertThat(TimeUnit.NANOSECONDS.toMillis(slowestNanos.get())).isLessThan(500);
            assertThat(raw(own).zcard(RedisSettings.DEFAULT_PREFIX + ":{" + BE + "}:rooms"))
                    .isGreaterThanOrEqualTo(rooms);
        } finally {
            ResourceLeakDetector.setLevel(leakDetection);
        }
    }

    @Test
    void measuresPlacementsPerSecond() {
        Clock clock = Clock.systemUTC();
        FakeInventory view = new FakeInventory(BE, clock,
                up("s1", 10_000_000, 0), up("s2", 10_000_000, 0), up("s3", 10_000_000, 0), up("s4", 10_000_000, 0));
        RedisRoomStore a = RedisRoomStore.start(new RedisSettings(redis.uri(), prefix, Duration.ofSeconds(5)),
                new RoomLifetimes(Duration.ofMinutes(5), Duration.ofMinutes(10)), view, "a", clock);
        closing.add(a);
        int rooms = 10_000;
        int inFlight = 128;
        long start = System.nanoTime();
        runWindowed(rooms, inFlight, i -> a.join(request("perf" + i, 4, "p"), view.snapshot()).toCompletableFuture());
        double placementsPerSecond = rooms / ((System.nanoTime() - start) / 1e9);
        start = System.nanoTime();
        runWindowed(rooms, inFlight, i -> a.join(request("perf" + i, 4, "q"), view.snapshot()).toCompletableFuture());
        double knownPerSecond = rooms / ((System.nanoTime() - start) / 1e9);
        System.out.printf("one store: %.0f first joins (placements)/s, %.0f joins to known rooms/s (%d in flight)%n",
                placementsPerSecond, knownPerSecond, inFlight);
        assertThat(redis.raw().zcard(prefix + ":{" + BE + "}:rooms")).isEqualTo(rooms);
    }

    /** Commands on {@code server}, closed with the test's stores. */
    private RedisCommands<String, String> raw(RedisProcess server) {
        RedisClient client = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> connection = client.connect();
        closing.add(connection);
        closing.add(client::shutdown);
        return connection.sync();
    }

    private List<Object> runScript(RedisLayout layout, List<String> args) {
        return redis.raw().eval(scriptBody(), ScriptOutputType.MULTI, layout.keys(BE), args.toArray(new String[0]));
    }

    private static String scriptBody() {
        try (InputStream in = RedisScript.class.getResourceAsStream(RedisScript.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void runWindowed(int count, int window, IntFunction<CompletableFuture<Placement>> call) {
        List<CompletableFuture<Placement>> batch = new ArrayList<>(window);
        for (int i = 0; i < count; i++) {
            batch.add(call.apply(i));
            if (batch.size() == window) {
                CompletableFuture.allOf(batch.toArray(new CompletableFuture<?>[0])).join();
                assertThat(batch).allSatisfy(f -> assertThat(f.join().server()).isPresent());
                batch.clear();
            }
        }
        CompletableFuture.allOf(batch.toArray(new CompletableFuture<?>[0])).join();
    }

    private RedisRoomStore store(String uri, FakeInventory view, String agent, Clock clock, Duration timeout) {
        String effectivePrefix = uri.equals(redis.uri()) ? prefix : RedisSettings.DEFAULT_PREFIX;
        // A test clock moves the store's monotonic time too: past the cache without sleeping.
        LongSupplier nanoTime = clock instanceof TestClock testClock ? testClock::nanoTime : System::nanoTime;
        RedisRoomStore store = RedisRoomStore.start(new RedisSettings(uri, effectivePrefix, timeout), LIFETIMES, view,
                agent, clock, nanoTime);
        closing.add(store);
        return store;
    }

    /** The server Redis keeps for a room: the first word of its value in {@code P:{B}:room} (docs/redis-keys.md). */
    /** The servers other than {@code excluded} in the room's rendezvous order, as the script ranks them. */
    private static List<String> rankedWithout(String room, ServerStatus[] servers, String excluded) {
        List<ServerStatus> rest = new ArrayList<>();
        for (ServerStatus server : servers) {
            if (!server.name().equals(excluded)) {
                rest.add(server);
            }
        }
        List<String> ranked = new ArrayList<>();
        for (String position : RedisLayout.rendezvousPositions(room, rest).split(" ", -1)) {
            ranked.add(rest.get(Integer.parseInt(position) - 1).name());
        }
        return ranked;
    }

    /** Pauses every Redis client for {@code millis}, then sends a first join of each room, without waiting. */
    private List<CompletableFuture<Placement>> firstJoinsWhileRedisWaits(RedisRoomStore store, FakeInventory view,
            long millis, String... rooms) {
        redis.raw().clientPause(millis);
        List<CompletableFuture<Placement>> joins = new ArrayList<>();
        for (String room : rooms) {
            joins.add(store.join(request(room, 4, "p1"), view.snapshot()).toCompletableFuture());
        }
        return joins;
    }

    /** Entry {@code i}'s values of a batch reply. */
    private static List<Object> entry(List<Object> reply, int i) {
        int n = RedisJoinBatcher.VALUES_PER_ENTRY;
        return reply.subList(n * i, n * (i + 1));
    }

    private static String serverOf(RedisCommands<String, String> commands, String keyPrefix, String room) {
        String value = commands.hget(keyPrefix + ":{" + BE + "}:room", room);
        return value == null ? null : value.split(" ", -1)[0].split("/", -1)[0]; // "<server>[/<fallback>] ..."
    }

    private static int held(String loadKey, String server) {
        String seats = redis.raw().hget(loadKey, "held:" + server);
        return seats == null ? 0 : Integer.parseInt(seats);
    }

    private static Placement join(RedisRoomStore store, FakeInventory view, String room, int size, String player) {
        return store.join(request(room, size, player), view.snapshot()).toCompletableFuture().join();
    }

    private static JoinRequest request(String room, int size, String player) {
        return new JoinRequest(room, BE, size, Optional.of(player));
    }
}
