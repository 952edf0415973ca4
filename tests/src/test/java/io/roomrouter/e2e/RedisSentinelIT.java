package io.roomrouter.e2e;

import static io.roomrouter.e2e.FailoverJoins.await;
import static io.roomrouter.e2e.FailoverJoins.decisions;
import static io.roomrouter.e2e.FailoverJoins.longest;
import static io.roomrouter.e2e.FailoverJoins.players;
import static io.roomrouter.e2e.FailoverJoins.route;
import static io.roomrouter.e2e.FailoverJoins.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.HostPort;
import io.roomrouter.kit.RedisSentinelGroup;
import io.roomrouter.kit.Stack;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two proxies and their agents on Redis Sentinel (a primary, a replica, three sentinels), the agents at their
 * shipped defaults. Players join rooms through both proxies before, while and after the primary is SIGKILLed and the
 * sentinels promote the replica. Lettuce asks the sentinels for the primary again when it reconnects; meanwhile the
 * agents answer joins of known rooms from what they know and tell new rooms' players to retry. Replication is
 * asynchronous, so the new primary may lack the last rooms placed: each agent offers it every room it knows once it
 * answers, as after a Redis restart. Every room ends on one server through both proxies, and no player is turned
 * away except with a {@code retry}, which it follows.
 */
class RedisSentinelIT {

    private static final int ROOMS_BEFORE = 30;
    private static final int ROOMS_DURING = 30;
    private static final int ROOMS_AFTER = 20;
    /** A new room every this long from just before the kill: their joins span the whole failover. */
    private static final Duration DURING_EVERY = Duration.ofMillis(250);
    private static final Duration KILL_AFTER = Duration.ofMillis(750);
    /** A player told to retry tries again after 200 ms, for as long as a failover may take here. */
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(30));
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(30);
    private static final Duration AGENT_LINE_WITHIN = Duration.ofSeconds(30);
    /** The agent's line once Redis answers again and it has offered Redis every room it knows. */
    private static final String RECONCILED = "answering again after";
    private static final String PLACED = "placed";

    private static List<RetriedJoin> joinAll(TimedCrowd crowd, List<TimedCrowd.Route> routes)
            throws InterruptedException {
        return crowd.joinRetrying(routes, Crowd.Presence.LEAVE, RETRYING);
    }

    private static List<JoinAttempt> attempts(List<RetriedJoin> joins) {
        return joins.stream().flatMap(j -> j.attempts().stream()).toList();
    }

    private static Duration longestAttempt(List<RetriedJoin> joins) {
        return attempts(joins).stream().map(JoinAttempt::took).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    @Test
    void everyRoomStaysOnOneServerWhileSentinelPromotesTheReplica(TestInfo test) throws Exception {
        try (RedisSentinelGroup redis = RedisSentinelGroup.start(TestLogs.dir(test));
                Stack stack = TwoProxyStacks.onRedis(test, redis.uri());
                TimedCrowd crowd = new TimedCrowd(4)) {
            TestLogs.report(test, "agents on " + redis.uri() + ", primary " + HostPort.format(redis.primary()));
            List<RetriedJoin> before = joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 1, 3));
            RoomReport beforeReport = RoomReport.of(players(before));
            TestLogs.report(test, "before the failover: " + beforeReport.summary() + "; decisions "
                    + decisions(before));
            assertThat(before).allSatisfy(j -> assertThat(j.player().joined())
                    .as("%s via %s: %s", j.player(), j.route().via(), j.player().reply()).isTrue());
            assertThat(beforeReport.splitRooms()).isEmpty();
            Map<String, String> homes = beforeReport.rooms().stream()
                    .collect(Collectors.toMap(RoomReport.Room::room, RoomReport.Room::home));
            for (Stack.Proxy proxy : stack.proxies()) {
                // A line from before would pass for the reconciliation after the failover.
                assertThat(proxy.agent().log()).as("%s agent's log before the failover", proxy)
                        .noneMatch(line -> line.contains(RECONCILED));
            }

            // During: a new room's three players every 250 ms, and the next player of each old room, through both
            // proxies, from just before the kill until well after the promotion; each retries while told to.
            List<CompletableFuture<RetriedJoin>> newPending = new ArrayList<>();
            List<CompletableFuture<RetriedJoin>> oldPending = new ArrayList<>();
            for (int r = 1; r <= ROOMS_DURING; r++) {
                Duration at = DURING_EVERY.multipliedBy(r - 1);
                for (int p = 1; p <= 3; p++) {
                    newPending.add(crowd.joinLater(route(stack, "during", r, p), at, Crowd.Presence.LEAVE, RETRYING));
                }
                if (r <= ROOMS_BEFORE) {
                    oldPending.add(crowd.joinLater(route(stack, "before", r, 4), at, Crowd.Presence.LEAVE, RETRYING));
                }
            }
            Thread.sleep(KILL_AFTER.toMillis());
            // Once killPrimary returns the primary is gone (it waits for the exit): a join begun after that cannot
            // have been placed by it. Read before, the clock would also count the kit's question to a sentinel.
            InetSocketAddress dead = redis.killPrimary();
            long killNanos = System.nanoTime();
            InetSocketAddress promoted = redis.awaitNewPrimary(FAILOVER_WITHIN);
            long promotedNanos = System.nanoTime();
            TestLogs.report(test, "primary " + HostPort.format(dead) + " SIGKILLed; sentinels named "
                    + HostPort.format(promoted) + " after " + millis(promotedNanos - killNanos) + " ms");

            SoftAssertions softly = new SoftAssertions();
            for (Stack.Proxy proxy : stack.proxies()) {
                Optional<String> lost = proxy.agent().awaitLine(l -> l.contains("connection lost"), AGENT_LINE_WITHIN);
                Optional<String> reconciled = proxy.agent().awaitLine(l -> l.contains(RECONCILED), AGENT_LINE_WITHIN);
                TestLogs.report(test, proxy + " agent: " + lost.orElse("(no connection-lost line)"));
                TestLogs.report(test, proxy + " agent: " + reconciled.orElse("(no reconciliation line)"));
                softly.assertThat(lost).as("%s agent noticed the primary's death", proxy).isPresent();
                softly.assertThat(reconciled).as("%s agent reconciled with the new primary", proxy).isPresent();
            }
            List<RetriedJoin> newDuring = await(newPending);
            List<RetriedJoin> oldDuring = await(oldPending);

            // After: new rooms, and the next player of every room so far, on the new primary.
            List<RetriedJoin> after = new ArrayList<>(joinAll(crowd, routes(stack, "after", ROOMS_AFTER, 1, 3)));
            after.addAll(joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 5, 5)));
            after.addAll(joinAll(crowd, routes(stack, "during", ROOMS_DURING, 4, 4)));

            List<RetriedJoin> during = Stream.concat(newDuring.stream(), oldDuring.stream()).toList();
            List<RetriedJoin> all = Stream.of(before, during, after).flatMap(List::stream).toList();
            RoomReport everyRoom = RoomReport.of(players(all));
            Optional<Long> firstPlacedNanos = Stream.concat(attempts(during).stream(), attempts(after).stream())
                    .filter(a -> a.startNanos() > killNanos && a.player().decision().equals(PLACED))
                    .map(JoinAttempt::endNanos).min(Comparator.naturalOrder());
            long retries = attempts(during).stream().filter(JoinAttempt::toldToRetry).count();
            TestLogs.report(test, "during the failover: " + during.size() + " joins, " + attempts(during).size()
                    + " attempts; decisions " + decisions(during) + "; old rooms' decisions " + decisions(oldDuring));
            TestLogs.report(test, "during the failover: decisions degraded (retry) " + retries
                    + "; longest join, retries included, " + longest(during).toMillis()
                    + " ms; longest single attempt " + longestAttempt(during).toMillis() + " ms");
            TestLogs.report(test, "first placement through the new primary "
                    + firstPlacedNanos.map(t -> millis(t - killNanos) + " ms after the primary's death, "
                            + millis(t - promotedNanos) + " ms after the sentinels named the new one")
                            .orElse("(none)"));
            TestLogs.report(test, "after the failover: decisions " + decisions(after) + "; every room: "
                    + everyRoom.summary());

            FailoverJoins.assertEveryRoomWholeAndHome(softly,
                    Stream.concat(during.stream(), after.stream()).toList(), everyRoom, ROOMS_BEFORE + ROOMS_DURING + ROOMS_AFTER, homes);
            // Both agents answered joins of the old rooms before: they know them, Redis or not.
            softly.assertThat(decisions(oldDuring)).as("old rooms' decisions during the failover")
                    .containsOnlyKeys("sticky");
            softly.assertThat(firstPlacedNanos).as("a placement after the primary's death").isPresent();
            if (!everyRoom.splitRooms().isEmpty()) {
                TestLogs.report(test, "every room:\n" + everyRoom.table());
            }
            softly.assertAll();
        }
    }

    private static long millis(long nanos) {
        return Duration.ofNanos(nanos).toMillis();
    }
}
