package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.roomrouter.kit.FreePort;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Redis in trouble under two proxies, mid-traffic: stopped by a signal, pausing its clients, refusing writes (OOM,
 * READONLY), dropping the agents' connections. About 20 new rooms a second throughout, each of 4 players joining
 * through the two proxies in turn over about a second; a player told to retry (503, {@code X-Room-Decision: retry})
 * tries again. Each case holds the agents, at their shipped defaults, to one contract: no room split, every player
 * in within a bound, every attempt answered promptly, no answer but 101 or 503 retry, and each agent reconciling
 * with Redis once Redis is back.
 */
class SlowRedisIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    private static final int PLAYERS = 4;
    /** A new room every 50 ms: the ~20 new rooms a second under which a 5 s SIGSTOP split a quarter of them. */
    private static final Duration ROOM_EVERY = Duration.ofMillis(50);
    /** A room's last player arrives this long after its first. */
    private static final Duration ROOM_SPREAD = Duration.ofSeconds(1);
    private static final Duration HEALTHY = Duration.ofSeconds(3);
    private static final Duration AFTER = Duration.ofSeconds(4);
    /**
     * HAProxy waits 100 ms for the agent ({@code timeout processing} of the reference configuration); an attempt as
     * the player measures it adds two HAProxy hops and the game server's WebSocket handshake, on 2 shared cores.
     */
    private static final Duration ATTEMPT_BOUND = Duration.ofMillis(250);
    /** Well under the reference Retry-After (1 s), so that a case stays short. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);
    /**
     * How long after its first attempt a player may still be retrying, on top of the fault itself: a second for an
     * agent to tell that Redis answers nothing, then reconciliation and a few pauses between retries.
     */
    private static final Duration RECOVERY = Duration.ofSeconds(5);
    /** At ~80 attempts a second, enough threads for attempts that each wait up to HAProxy's SPOE timeout. */
    private static final int THREADS = 64;
    /** The agent's line once it has compared what it knows with Redis again. */
    private static final String RECONCILED = "reconciled";
    /** Answers a join may get with a player let in; anything else let in went by a guess or by HAProxy's hash. */
    private static final Set<String> ROUTED = Set.of("placed", "sticky");

    /** A fault on Redis: injects it, holds it, lifts it; says what it did. */
    @FunctionalInterface
    private interface Fault {
        String inject(RedisProcess redis) throws Exception;
    }

    /** A player's join, due {@code at} after the traffic starts. */
    private record Arrival(TimedCrowd.Route route, Duration at) {}

    /** When the fault began and ended, as offsets from the start of the traffic ({@code trafficStart}, nanoTime). */
    private record Window(long trafficStart, Duration start, Duration end) {

        /** How long after the fault's start {@code nanos} (nanoTime) came; negative before it. */
        Duration sinceFault(long nanos) {
            return Duration.ofNanos(nanos - trafficStart).minus(start);
        }

        Duration length() {
            return end.minus(start);
        }

        String phaseOf(Duration opened) {
            if (opened.compareTo(start) < 0) {
                return "before";
            }
            return opened.compareTo(end) < 0 ? "during" : "after";
        }
    }

    @Test
    void redisStoppedForTwoSeconds(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(2), redis -> stopped(redis, Duration.ofSeconds(2)));
    }

    @Test
    void redisStoppedForFiveSeconds(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(5), redis -> stopped(redis, Duration.ofSeconds(5)));
    }

    @Test
    void clientsPausedForOneSecond(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(1), redis -> {
            redis.call("CLIENT", "PAUSE", "1000", "ALL");
            Thread.sleep(1000);
            return "CLIENT PAUSE 1000 ALL";
        });
    }

    @Test
    void writesRefusedOutOfMemoryForTwoSeconds(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(2), redis -> {
            // noeviction is Redis's default, set anyway: an evicting policy would make room instead of refusing.
            redis.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
            redis.call("CONFIG", "SET", "maxmemory", "1");
            try {
                assertThatThrownBy(() -> redis.call("SET", "slow-redis-it:probe", "1")).hasMessageContaining("OOM");
                Thread.sleep(2000);
            } finally {
                redis.call("CONFIG", "SET", "maxmemory", "0"); // the test's Redis runs without a limit
            }
            return "CONFIG SET maxmemory 1 (noeviction: writes fail with OOM) for 2000 ms, then maxmemory 0";
        });
    }

    @Test
    void writesRefusedAsReplicaForTwoSeconds(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(2), redis -> {
            String rooms = "rr:{" + GAME_BACKEND + "}:room";
            long before = Long.parseLong(redis.call("HLEN", rooms));
            int closedPort = FreePort.next().getPort();
            redis.call("REPLICAOF", "127.0.0.1", Integer.toString(closedPort));
            try {
                assertThatThrownBy(() -> redis.call("SET", "slow-redis-it:probe", "1"))
                        .hasMessageContaining("READONLY");
                Thread.sleep(2000);
            } finally {
                redis.call("REPLICAOF", "NO", "ONE");
            }
            // A replica that never reached its primary keeps its data set: every room placed before is still there.
            long after = Long.parseLong(redis.call("HLEN", rooms));
            assertThat(after).as("rooms in %s after REPLICAOF NO ONE (before: %s)", rooms, before)
                    .isPositive().isGreaterThanOrEqualTo(before);
            return "REPLICAOF 127.0.0.1 " + closedPort + " (nothing listens: writes fail with READONLY) for 2000 ms,"
                    + " then REPLICAOF NO ONE; rooms in Redis " + before + " before, " + after + " after";
        });
    }

    @Test
    void connectionsKilledForTwoSeconds(TestInfo test) throws Exception {
        survives(test, Duration.ofSeconds(2), redis -> {
            long normal = 0;
            long pubsub = 0;
            for (int round = 0; round < 4; round++) {
                // SKIPME yes: the test's own connection, the one sending the command, stays.
                normal += Long.parseLong(redis.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"));
                pubsub += Long.parseLong(redis.call("CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes"));
                Thread.sleep(500);
            }
            assertThat(normal).as("normal connections killed").isPositive();
            assertThat(pubsub).as("pub/sub connections killed").isPositive();
            return "CLIENT KILL TYPE normal, then TYPE pubsub, every 500 ms for 2000 ms: killed " + normal
                    + " normal and " + pubsub + " pub/sub connections";
        });
    }

    private static String stopped(RedisProcess redis, Duration length) throws InterruptedException {
        redis.stop();
        try {
            Thread.sleep(length.toMillis());
        } finally {
            redis.resume();
        }
        return "SIGSTOP for " + length.toMillis() + " ms, then SIGCONT";
    }

    /**
     * Healthy traffic for {@link #HEALTHY}, the fault (planned to last {@code length}), traffic for {@link #AFTER}
     * more; then the contract. Players stay connected to the end of the case, as in a match: their connections are
     * the load that every agent publishes and Redis places by, so placements after the fault weigh the rooms placed
     * during it, and each open socket still proves where its player landed.
     */
    private static void survives(TestInfo test, Duration length, Fault fault) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = Stack.builder(TestLogs.dir(test)).proxies(2).redis(redis.uri())
                        .agentArgs("--room-size", Integer.toString(PLAYERS))
                        .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, 5000)))
                        .start();
                TimedCrowd crowd = new TimedCrowd(THREADS)) {
            for (Stack.Proxy proxy : stack.proxies()) {
                // A line from before the fault would pass for the reconciliation after it.
                assertThat(proxy.agent().log()).as("%s agent's log before the fault", proxy)
                        .noneMatch(line -> line.contains(RECONCILED));
            }
            // Not counted: the test's first join pays for its own class loading and SecureRandom seeding (247 ms
            // seen), which is not the agent's time.
            List<TimedCrowd.Route> warmUp = stack.proxies().stream()
                    .map(p -> new TimedCrowd.Route(p.frontend(), new Join("warm-up", p.name()))).toList();
            crowd.joinRetrying(warmUp, Crowd.Presence.LEAVE, new RetryPolicy(RETRY_PAUSE, RECOVERY));
            RetryPolicy policy = new RetryPolicy(RETRY_PAUSE, length.plus(RECOVERY));
            List<Arrival> arrivals = arrivals(stack, HEALTHY.plus(length).plus(AFTER));
            long start = System.nanoTime();
            List<CompletableFuture<RetriedJoin>> pending = arrivals.stream()
                    .map(a -> crowd.joinLater(a.route(), a.at(), Crowd.Presence.STAY, policy))
                    .toList();

            Thread.sleep(HEALTHY.toMillis());
            Duration faultStart = Duration.ofNanos(System.nanoTime() - start);
            String injected = fault.inject(redis);
            Window window = new Window(start, faultStart, Duration.ofNanos(System.nanoTime() - start));
            TestLogs.report(test, String.format(Locale.ROOT, "fault from +%.2f s to +%.2f s: %s",
                    seconds(window.start()), seconds(window.end()), injected));

            Duration lastArrival = arrivals.get(arrivals.size() - 1).at();
            long deadline = start + lastArrival.plus(policy.patience()).plusSeconds(5).toNanos();
            List<RetriedJoin> joins = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            awaitAll(pending, deadline, joins, failures);
            Map<Stack.Proxy, Optional<String>> reconciled = awaitReconciled(stack, Duration.ofSeconds(5));
            checkContract(test, joins, failures, opened(arrivals), window, reconciled, redis.ping());
        }
    }

    /**
     * A room opens every {@link #ROOM_EVERY} for {@code length}; its players come over {@link #ROOM_SPREAD},
     * through the two proxies in turn. In every other room the first two arrive together, one through each proxy:
     * the race that the shared store settles. Seeded by the room's number, so every run has the same traffic.
     */
    private static List<Arrival> arrivals(Stack stack, Duration length) {
        int rooms = (int) (length.toMillis() / ROOM_EVERY.toMillis());
        int spread = (int) ROOM_SPREAD.toMillis();
        List<Arrival> arrivals = new ArrayList<>();
        for (int r = 1; r <= rooms; r++) {
            Duration opens = ROOM_EVERY.multipliedBy(r - 1);
            Random random = new Random(r);
            int[] after = {0, r % 2 == 0 ? 0 : random.nextInt(spread), random.nextInt(spread), spread};
            for (int p = 1; p <= PLAYERS; p++) {
                TimedCrowd.Route route =
                        new TimedCrowd.Route(stack.proxy((r + p) % 2).frontend(), new Join("r" + r, "p" + p));
                arrivals.add(new Arrival(route, opens.plusMillis(after[p - 1])));
            }
        }
        arrivals.sort(Comparator.comparing(Arrival::at));
        return arrivals;
    }

    private static Map<String, Duration> opened(List<Arrival> arrivals) {
        return arrivals.stream().collect(Collectors.toMap(a -> a.route().join().room(), Arrival::at,
                (a, b) -> a.compareTo(b) <= 0 ? a : b));
    }

    /** Every join that ended by {@code deadline} (nanoTime) into {@code joins}, every other one into failures. */
    private static void awaitAll(List<CompletableFuture<RetriedJoin>> pending, long deadline,
            List<RetriedJoin> joins, List<String> failures) throws InterruptedException {
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null)
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Each join says below how it ended, or that it has not.
        }
        for (CompletableFuture<RetriedJoin> join : pending) {
            if (!join.isDone()) {
                failures.add("a join still under way at the deadline");
                continue;
            }
            try {
                joins.add(join.get());
            } catch (ExecutionException e) {
                failures.add(e.getCause().getMessage());
            }
        }
    }

    /** Each agent's first line saying it reconciled with Redis, waiting at most {@code timeout} in all. */
    private static Map<Stack.Proxy, Optional<String>> awaitReconciled(Stack stack,
            Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Stack.Proxy, Optional<String>> lines = new LinkedHashMap<>();
        for (Stack.Proxy proxy : stack.proxies()) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            lines.put(proxy, proxy.agent().awaitLine(line -> line.contains(RECONCILED), left));
        }
        return lines;
    }

    /** Reports the case's figures, then checks all of the contract at once, so that a run shows every breach. */
    private static void checkContract(TestInfo test, List<RetriedJoin> joins, List<String> failures,
            Map<String, Duration> opened, Window fault, Map<Stack.Proxy, Optional<String>> reconciled,
            boolean redisAnswers) {
        RoomReport report = RoomReport.of(joins.stream().map(RetriedJoin::player).toList());
        List<JoinAttempt> attempts = joins.stream().flatMap(j -> j.attempts().stream()).toList();
        Map<String, Long> decisions = attempts.stream().collect(Collectors.groupingBy(
                a -> a.player().outcome(), TreeMap::new, Collectors.counting()));
        List<JoinAttempt> unexpected = attempts.stream().filter(a -> a.status() != 101 && !a.toldToRetry()).toList();
        List<JoinAttempt> unrouted = attempts.stream()
                .filter(a -> a.status() == 101 && !ROUTED.contains(a.player().decision())).toList();
        List<JoinAttempt> slow = attempts.stream().filter(a -> a.took().compareTo(ATTEMPT_BOUND) > 0).toList();
        JoinAttempt slowest = attempts.stream().max(Comparator.comparing(JoinAttempt::took)).orElseThrow();
        List<RetriedJoin> notIn = joins.stream().filter(j -> !j.player().joined()).toList();
        Duration longestWait = joins.stream().filter(j -> j.player().joined()).map(RetriedJoin::took)
                .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        Function<RoomReport.Room, String> phase = room -> fault.phaseOf(opened.get(room.room()));

        TestLogs.report(test, report.rooms().size() + " rooms by when they opened " + countBy(report.rooms(), phase)
                + "; split " + report.splitRooms().size() + " " + countBy(report.splitRooms(), phase)
                + "; rooms per server " + report.roomsPerServer());
        TestLogs.report(test, joins.size() + " joins, " + (joins.size() - notIn.size()) + " in, " + notIn.size()
                + " not in; " + attempts.size() + " attempts, " + (attempts.size() - joins.size())
                + " retries; decisions " + decisions);
        TestLogs.report(test, String.format(Locale.ROOT,
                "slowest attempt %d ms (%s, %s, at %+.2f s from the fault's start); %d attempts over %d ms;"
                        + " longest wait to get in %d ms (bound %d ms)",
                slowest.took().toMillis(), slowest.player().outcome(), slowest.route().join(),
                seconds(fault.sinceFault(slowest.startNanos())), slow.size(), ATTEMPT_BOUND.toMillis(),
                longestWait.toMillis(), fault.length().plus(RECOVERY).toMillis()));
        TestLogs.report(test, "answers other than 101 or 503 retry: " + unexpected.size() + " " + sample(unexpected)
                + "; let in without placed/sticky: " + unrouted.size() + " " + sample(unrouted)
                + "; failed joins: " + failures.size() + " " + failures.stream().limit(3).toList());
        reconciled.forEach((proxy, line) ->
                TestLogs.report(test, proxy + " agent: " + line.orElse("(no line containing '" + RECONCILED + "')")));
        report.splitRooms().stream().limit(10).forEach(room -> TestLogs.report(test, "split (" + phase.apply(room)
                + "): " + room));

        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(failures).as("joins that failed or never ended").isEmpty();
            softly.assertThat(redisAnswers).as("Redis answers PING after the fault").isTrue();
            softly.assertThat(report.splitRooms()).as("rooms split").isEmpty();
            softly.assertThat(notIn).as("players not in within %s of their first attempt",
                    fault.length().plus(RECOVERY)).isEmpty();
            softly.assertThat(unexpected).as("answers other than 101 or 503 retry").isEmpty();
            softly.assertThat(unrouted).as("players let in without a placed or sticky decision").isEmpty();
            softly.assertThat(slowest.took()).as("slowest attempt (%s)", slowest.route()).isLessThan(ATTEMPT_BOUND);
            reconciled.forEach((proxy, line) ->
                    softly.assertThat(line).as("%s agent reconciled after the fault", proxy).isPresent());
        });
    }

    private static <T> Map<String, Long> countBy(Collection<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
    }

    private static List<String> sample(List<JoinAttempt> attempts) {
        return attempts.stream().limit(3)
                .map(a -> a.route().join() + " " + a.status() + " " + a.player().outcome() + " "
                        + a.player().reply().body().strip())
                .toList();
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
