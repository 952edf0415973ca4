package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static io.roomrouter.e2e.FailoverJoins.await;
import static io.roomrouter.e2e.FailoverJoins.decisions;
import static io.roomrouter.e2e.FailoverJoins.longest;
import static io.roomrouter.e2e.FailoverJoins.players;
import static io.roomrouter.e2e.FailoverJoins.route;
import static io.roomrouter.e2e.FailoverJoins.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.RedisClusterGroup;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two proxies and two agents at their shipped defaults on a real Redis Cluster (three primaries, a replica each),
 * given as a seed list. Players of rooms placed before, during and after a change of the cluster under traffic come
 * through both proxies: the primary serving the backend's slot dies ({@code SIGKILL}) and its replica takes over, or
 * the slot moves to another primary key by key. Every room stays on one server, and a player is refused only with
 * {@code retry}, which it retries.
 */
class RedisClusterIT {

    private static final int ROOMS_BEFORE = 30;
    private static final int ROOMS_DURING = 80;
    /** Ticks (of four joins) between the arrivals of a new room's first, second and third players. */
    private static final int STAGGER = 8;
    private static final int ROOMS_AFTER = 20;
    /** During the change, one join starts every PACE, whatever the others do: traffic does not stop for it. */
    private static final Duration PACE = Duration.ofMillis(25);
    /** When the change starts, from the first join of the paced traffic. */
    private static final Duration CHANGE_AT = Duration.ofSeconds(2);
    /** A player told to retry tries again after 200 ms, for up to 20 s: longer than any change here takes. */
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(20));
    /** The decisions a join may get here: any other (a hashed join, a refusal for good) would be a fault. */
    private static final Set<String> EXPECTED = Set.of("placed", "sticky", JoinAttempt.RETRY);
    private static final String CHANNEL = "rr:events";

    /**
     * A change made to the cluster while players join, on the nanoTime scale: from its start to its end, and the
     * moment the old owner of the slot stopped serving it ({@code lostNanos}: the primary's death, or the start of
     * the migration), from which the first placement is timed.
     */
    private record Change(long startNanos, long lostNanos, long endNanos, String what, String lost) {}

    @FunctionalInterface
    private interface ClusterChange {
        Change make(RedisClusterGroup cluster, int slot) throws InterruptedException;
    }

    @Test
    void roomsStayWholeWhileThePrimaryOfTheBackendsSlotDiesAndItsReplicaTakesOver(TestInfo test) throws Exception {
        roomsStayWholeThrough(test, (cluster, slot) -> {
            long start = System.nanoTime();
            int dead = cluster.killPrimaryOf(slot);
            long deadNanos = System.nanoTime();
            int promoted = cluster.awaitPromotion(slot, dead, Duration.ofSeconds(30));
            long end = System.nanoTime();
            assertThat(cluster.primaryOf(slot)).as("primary of slot %s after the failover", slot).isEqualTo(promoted);
            return new Change(start, deadNanos, end, "primary " + dead + " killed, replica " + promoted + " promoted",
                    "the primary's death");
        });
    }

    @Test
    void roomsStayWholeWhileTheBackendsSlotMigratesToAnotherPrimary(TestInfo test) throws Exception {
        roomsStayWholeThrough(test, (cluster, slot) -> {
            int source = cluster.primaryOf(slot);
            int target = cluster.otherPrimary(slot);
            long start = System.nanoTime();
            // A key every 300 ms: for about two seconds the backend's keys are split between two primaries.
            int keys = cluster.migrateSlot(slot, target, Duration.ofMillis(300));
            long end = System.nanoTime();
            assertThat(cluster.primaryOf(slot)).as("primary of slot %s after the migration", slot).isEqualTo(target);
            return new Change(start, start, end, "slot " + slot + " migrated from " + source + " to " + target + " ("
                    + keys + " keys)", "the migration's start");
        });
    }

    private static void roomsStayWholeThrough(TestInfo test, ClusterChange change) throws Exception {
        try (RedisClusterGroup cluster = RedisClusterGroup.start(TestLogs.dir(test));
                Stack stack = TwoProxyStacks.onRedis(test, cluster.seedUri());
                TimedCrowd crowd = new TimedCrowd(8)) {
            TestLogs.report(test, "cluster seed list " + cluster.seedUri());
            List<RetriedJoin> before = crowd.joinRetrying(routes(stack, "before", ROOMS_BEFORE, 1, 3),
                    Crowd.Presence.LEAVE, RETRYING);
            RoomReport beforeReport = RoomReport.of(players(before));
            TestLogs.report(test, "before: " + beforeReport.summary() + "; decisions " + decisions(before));
            assertThat(before).allSatisfy(j -> assertThat(j.player().joined()).as("%s", j.player()).isTrue());
            assertThat(beforeReport.splitRooms()).isEmpty();
            // A healthy cluster answers every join: a retry here would be the agent mistaking Lettuce's topology
            // refreshes for the loss of Redis, as it did before its connection listener counted only its own.
            assertThat(decisions(before)).as("decisions before the change").containsOnlyKeys("placed", "sticky");

            int slot = cluster.keySlot("rr:{" + GAME_BACKEND + "}:rooms");
            assertKeysShareOneSlot(test, cluster, slot);
            awaitSubscribers(test, cluster, "before the change");

            // During: paced joins, the change in their midst. Every 100 ms a new room's first player, the second
            // and third players of the rooms opened 0.8 and 1.6 s before, and an old room's next player: rooms are
            // opened, and joined again, before, while and after the cluster changes, through both proxies.
            List<TimedCrowd.Route> paced = new ArrayList<>();
            for (int tick = 0; tick < ROOMS_DURING + 2 * STAGGER; tick++) {
                for (int p = 1; p <= 3; p++) {
                    int room = tick - (p - 1) * STAGGER + 1;
                    if (room >= 1 && room <= ROOMS_DURING) {
                        paced.add(route(stack, "during", room, p));
                    }
                }
                paced.add(route(stack, "before", tick % ROOMS_BEFORE + 1, 4 + tick / ROOMS_BEFORE));
            }
            List<Integer> marks = stack.proxies().stream().map(p -> p.agent().log().size()).toList();
            long pacedStart = System.nanoTime();
            List<CompletableFuture<RetriedJoin>> pending = new ArrayList<>();
            for (int i = 0; i < paced.size(); i++) {
                pending.add(crowd.joinLater(paced.get(i), PACE.multipliedBy(i), Crowd.Presence.LEAVE, RETRYING));
            }
            TimeUnit.NANOSECONDS.sleep(pacedStart + CHANGE_AT.toNanos() - System.nanoTime());
            Change made = change.make(cluster, slot);
            TestLogs.report(test, made.what() + " in " + millis(made.endNanos() - made.startNanos()) + " ms, "
                    + millis(made.startNanos() - pacedStart) + " ms into " + paced.size() + " paced joins");
            List<RetriedJoin> during = await(pending);
            awaitSubscribers(test, cluster, "after the change");

            List<TimedCrowd.Route> afterRoutes = new ArrayList<>(routes(stack, "after", ROOMS_AFTER, 1, 3));
            afterRoutes.addAll(routes(stack, "before", ROOMS_BEFORE, 10, 10));
            afterRoutes.addAll(routes(stack, "during", ROOMS_DURING, 4, 4));
            List<RetriedJoin> after = crowd.joinRetrying(afterRoutes, Crowd.Presence.LEAVE, RETRYING);

            List<RetriedJoin> all = new ArrayList<>(before);
            all.addAll(during);
            all.addAll(after);
            RoomReport report = RoomReport.of(players(all));
            reportFigures(test, made, during, after, report);
            for (int i = 0; i < stack.proxies().size(); i++) {
                List<String> log = stack.proxy(i).agent().log();
                String proxy = stack.proxy(i).name();
                log.subList(marks.get(i), log.size()).stream()
                        .filter(line -> line.contains("redis redis://")).limit(6)
                        .forEach(line -> TestLogs.report(test, proxy + " agent: " + line));
            }

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(all).as("joins that did not get in").allSatisfy(j -> assertThat(j.player().joined())
                    .as("%s via %s: %s", j.player(), j.route().via(), j.player().reply()).isTrue());
            softly.assertThat(all.stream().flatMap(j -> j.attempts().stream()).map(a -> a.player().outcome()))
                    .as("decisions of every attempt").allMatch(EXPECTED::contains);
            softly.assertThat(decisions(after)).as("decisions after the change").containsOnlyKeys("placed", "sticky");
            softly.assertThat(report.rooms()).hasSize(ROOMS_BEFORE + ROOMS_DURING + ROOMS_AFTER);
            softly.assertThat(report.splitRooms()).as("rooms split").isEmpty();
            softly.assertAll();
        }
    }

    /**
     * Every key the agents wrote is under a backend's hash tag ({@code rr:{<backend>}:...}), and all the keys of one
     * backend are in its tag's slot, so that each script step on it is atomic on one node; be_game's is {@code slot}.
     */
    private static void assertKeysShareOneSlot(TestInfo test, RedisClusterGroup cluster, int slot) {
        List<String> keys = cluster.keys("rr:*");
        Map<String, Set<Integer>> slotsByTag = new TreeMap<>();
        for (String key : keys) {
            assertThat(key).as("key written by the agents").matches("rr:\\{[^{}]+\\}:[a-z]+");
            String tag = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            slotsByTag.computeIfAbsent(tag, t -> new TreeSet<>()).add(cluster.keySlot(key));
        }
        TestLogs.report(test, keys.size() + " keys under rr:, slots by hash tag: " + slotsByTag + "; "
                + keys.stream().filter(k -> k.startsWith("rr:{" + GAME_BACKEND + "}:")).sorted().toList());
        assertThat(slotsByTag).containsKey(GAME_BACKEND);
        slotsByTag.forEach((tag, slots) -> assertThat(slots).as("slots of the keys tagged {%s}", tag)
                .containsExactly(cluster.keySlot("{" + tag + "}")));
        assertThat(slotsByTag.get(GAME_BACKEND)).containsExactly(slot);
    }

    // Both agents' room events keep flowing: each has its subscription to the channel on a live node.
    private static void awaitSubscribers(TestInfo test, RedisClusterGroup cluster, String when)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Map<Integer, Integer> subscribers = cluster.subscribers(CHANNEL);
        while (total(subscribers) != 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            subscribers = cluster.subscribers(CHANNEL);
        }
        TestLogs.report(test, "subscribers of " + CHANNEL + " " + when + ", by node: " + subscribers);
        assertThat(total(subscribers)).as("subscribers of %s %s", CHANNEL, when).isEqualTo(2);
    }

    private static int total(Map<Integer, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static void reportFigures(TestInfo test, Change made, List<RetriedJoin> during, List<RetriedJoin> after,
            RoomReport report) {
        List<JoinAttempt> attempts = during.stream().flatMap(j -> j.attempts().stream()).toList();
        List<JoinAttempt> retries = attempts.stream().filter(JoinAttempt::toldToRetry).toList();
        String retryWindow = retries.isEmpty() ? "" : ", from " + millis(retries.get(0).startNanos() - made.startNanos())
                + " to " + millis(retries.stream().mapToLong(JoinAttempt::endNanos).max().getAsLong()
                        - made.startNanos()) + " ms after the change began";
        TestLogs.report(test, "during: " + during.size() + " joins, " + attempts.size() + " attempts, decisions "
                + decisions(during) + "; " + retries.size() + " retry decisions" + retryWindow);
        String firstPlaced = attempts.stream()
                .filter(a -> a.startNanos() >= made.lostNanos() && a.player().outcome().equals("placed"))
                .mapToLong(JoinAttempt::endNanos).min()
                .stream().mapToObj(end -> millis(end - made.lostNanos()) + " ms").findFirst().orElse("none");
        TestLogs.report(test, "first placement after " + made.lost() + ": " + firstPlaced + "; longest join (retries"
                + " included) " + longest(during).toMillis() + " ms during, " + longest(after).toMillis()
                + " ms after; slowest single attempt " + attempts.stream().map(JoinAttempt::took)
                        .max(Comparator.naturalOrder()).orElse(Duration.ZERO).toMillis() + " ms");
        TestLogs.report(test, "after: decisions " + decisions(after) + "; all: " + report.summary());
        report.splitRooms().forEach(r -> TestLogs.report(test, "split: " + r));
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
