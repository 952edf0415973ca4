package io.roomrouter.e2e;

import static io.roomrouter.e2e.FailoverJoins.decisions;
import static io.roomrouter.e2e.FailoverJoins.players;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Redis dies under two proxies and comes back empty, the agents at their shipped defaults. Meanwhile rooms placed
 * before keep their server ({@code sticky}), joins of new rooms are answered {@code retry} (503, nothing routed) at
 * once, and no join waits for the dead Redis. Once Redis is back each agent reconciles with it and the new rooms are
 * placed, each on one server through both proxies.
 */
class RedisOutageIT {

    private static final int ROOMS_BEFORE = 40;
    private static final int ROOMS_DURING = 30;
    /**
     * How a join that waited for the dead Redis shows in its decision line: the agent's time bound passed. During an
     * outage the agent knows Redis is gone and answers at once, so no join may say this. (Times are reported, not
     * asserted: on a shared CPU a wall-clock bound fails on the machine's load, not on the agent.)
     */
    private static final String WAITED_FOR_REDIS = "did not answer within";
    /** A player told to retry tries again after 200 ms, for up to 5 s (Retry-After: 1 only as an upper bound). */
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5));

    /** Players {@code p<from>..p<to>} of rooms {@code <prefix>1..N}, each through one proxy or the other. */
    private static List<TimedCrowd.Route> routes(Stack stack, String prefix, int rooms, int from, int to) {
        List<TimedCrowd.Route> routes = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            for (int r = 1; r <= rooms; r++) {
                routes.add(new TimedCrowd.Route(stack.proxy((r + p) % 2).frontend(), new Join(prefix + r, "p" + p)));
            }
        }
        return routes;
    }

    /** Joins everyone, retrying while told to. */
    private static List<RetriedJoin> joinAll(TimedCrowd crowd, List<TimedCrowd.Route> routes)
            throws InterruptedException {
        return crowd.joinRetrying(routes, Crowd.Presence.LEAVE, RETRYING);
    }

    private static void allIn(SoftAssertions softly, List<RetriedJoin> joins) {
        softly.assertThat(joins).allSatisfy(j -> assertThat(j.player().joined())
                .as("%s via %s: %s", j.player(), j.route().via(), j.player().reply()).isTrue());
    }

    private static int attempts(List<RetriedJoin> joins) {
        return joins.stream().mapToInt(j -> j.attempts().size()).sum();
    }

    private static Map<String, String> homes(RoomReport report) {
        return report.rooms().stream().collect(Collectors.toMap(RoomReport.Room::room, RoomReport.Room::home));
    }

    /** The decision lines each agent logged from line {@code from[i]} of its log on. */
    private static List<String> decisionLines(Stack stack, List<Integer> from) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < stack.proxies().size(); i++) {
            List<String> log = stack.proxy(i).agent().log();
            log.subList(from.get(i), log.size()).stream()
                    .filter(line -> AgentDecision.parse(line).isPresent())
                    .forEach(lines::add);
        }
        return lines;
    }

    /** The same, once there are at least {@code count} (agents write decision lines a few ms after answering). */
    private static List<String> awaitDecisionLines(Stack stack, List<Integer> from, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        List<String> lines = decisionLines(stack, from);
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = decisionLines(stack, from);
        }
        return lines;
    }

    private static List<Integer> logMarks(Stack stack) {
        return stack.proxies().stream().map(p -> p.agent().log().size()).toList();
    }

    @Test
    void joinsStayFastAndRoomsStayPutWhileRedisIsDown(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = TwoProxyStacks.onRedis(test, redis.uri());
                TimedCrowd crowd = new TimedCrowd(4)) {
            // Before: rooms placed through Redis, 4 joins at a time.
            List<Integer> beforeStart = logMarks(stack);
            List<RetriedJoin> beforeJoins = joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 1, 3));
            SoftAssertions.assertSoftly(softly -> allIn(softly, beforeJoins));
            RoomReport before = RoomReport.of(players(beforeJoins));
            TestLogs.report(test, "before the outage: " + before.summary() + "; decisions " + decisions(beforeJoins));
            assertThat(before.splitRooms()).isEmpty();
            Map<String, String> homes = homes(before);

            // The agents write a decision's line a few ms after answering it: the outage's lines start after the
            // last of these, or a late one would count as a decision during the outage.
            int beforeAttempts = attempts(beforeJoins);
            assertThat(awaitDecisionLines(stack, beforeStart, beforeAttempts))
                    .as("decisions logged before the outage").hasSize(beforeAttempts);
            for (Stack.Proxy proxy : stack.proxies()) {
                // A line from before the outage would pass for the reconciliation after it.
                assertThat(proxy.agent().log()).as("%s agent's log before the outage", proxy)
                        .noneMatch(line -> line.contains("reconciled"));
            }
            List<Integer> outageStart = logMarks(stack);
            redis.kill();
            for (Stack.Proxy proxy : stack.proxies()) {
                Optional<String> lost = proxy.agent().awaitLine(l -> l.contains("connection lost"), Duration.ofSeconds(5));
                TestLogs.report(test, proxy + " agent: " + lost.orElse("(no connection-lost line)"));
                assertThat(lost).as("%s agent noticed the outage", proxy).isPresent();
            }

            // During: the old rooms' next players, and new rooms, through both proxies; one attempt each.
            List<TimedCrowd.Timed> oldRooms = crowd.join(routes(stack, "before", ROOMS_BEFORE, 4, 6),
                    Crowd.Presence.LEAVE);
            List<TimedCrowd.Timed> newRooms = crowd.join(routes(stack, "during", ROOMS_DURING, 1, 3),
                    Crowd.Presence.LEAVE);
            List<TimedCrowd.Timed> during = new ArrayList<>(oldRooms);
            during.addAll(newRooms);
            List<String> outageDecisions = awaitDecisionLines(stack, outageStart, during.size());
            long worstAgentMicros = outageDecisions.stream().map(AgentDecision::micros)
                    .mapToLong(OptionalLong::getAsLong).max().orElse(0);
            Duration worstAttempt = TimedCrowd.slowest(during);
            TestLogs.report(test, "during the outage: " + during.size() + " joins, " + outageDecisions.size()
                    + " agent decisions; slowest attempt as players saw it " + worstAttempt.toMillis()
                    + " ms, slowest agent decision " + worstAgentMicros
                    + " us");
            TestLogs.report(test, "during the outage: old rooms' joins " + countOutcomes(oldRooms)
                    + "; new rooms' joins " + countOutcomes(newRooms));

            // From here on every breach is collected, so that one run shows the whole outage and the recovery.
            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(outageDecisions).as("decisions during the outage that waited for redis")
                    .noneMatch(line -> line.contains(WAITED_FOR_REDIS));
            softly.assertThat(outageDecisions).as("decisions logged during the outage").hasSize(during.size());
            softly.assertThat(oldRooms).allSatisfy(t -> {
                Player player = t.player();
                assertThat(player.joined()).as("%s via %s: %s", player, t.via(), player.reply()).isTrue();
                assertThat(player.decision()).as("decision for %s", player).isEqualTo("sticky");
                assertThat(player.server()).as("server of %s", player).contains(homes.get(player.room()));
            });
            softly.assertThat(newRooms).allSatisfy(t -> {
                HttpReply reply = t.player().reply();
                assertThat(reply.status()).as("%s via %s: %s", t.player(), t.via(), reply).isEqualTo(503);
                assertThat(t.player().decision()).as("decision for %s", t.player()).isEqualTo(JoinAttempt.RETRY);
                assertThat(reply.header("retry-after")).as("Retry-After for %s", t.player()).contains("1");
            });

            // After: an empty Redis on the same port; each agent reconnects and offers it the rooms it knows.
            redis.restart();
            for (Stack.Proxy proxy : stack.proxies()) {
                Optional<String> reconciled =
                        proxy.agent().awaitLine(l -> l.contains("reconciled"), Duration.ofSeconds(20));
                TestLogs.report(test, proxy + " agent: " + reconciled.orElse("(no reconciliation line)"));
                assertThat(reconciled).as("%s agent's reconciliation", proxy).isPresent();
            }
            List<RetriedJoin> oldAgain = joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 7, 7));
            List<RetriedJoin> newAgain = joinAll(crowd, routes(stack, "during", ROOMS_DURING, 1, 4));
            allIn(softly, oldAgain);
            allIn(softly, newAgain);
            RoomReport oldAfter = RoomReport.of(players(oldAgain));
            RoomReport newAfter = RoomReport.of(players(newAgain));
            TestLogs.report(test, "after the restart: old rooms " + oldAfter.summary() + "; decisions "
                    + decisions(oldAgain));
            TestLogs.report(test, "after the restart: new rooms " + newAfter.summary() + "; decisions "
                    + decisions(newAgain) + " (" + (attempts(newAgain) - newAgain.size()) + " retries)");
            softly.assertThat(oldAfter.rooms()).hasSize(ROOMS_BEFORE).allSatisfy(room -> {
                assertThat(room.home()).as("home of %s after the restart", room.room())
                        .isEqualTo(homes.get(room.room()));
                assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 1L));
            });
            softly.assertThat(newAfter.rooms()).hasSize(ROOMS_DURING).allSatisfy(room -> {
                assertThat(room.split()).as("%s split", room).isFalse();
                assertThat(room.decisions()).as("decisions of %s", room.room())
                        .isEqualTo(Map.of("placed", 1L, "sticky", 3L));
            });
            softly.assertAll();
        }
    }

    private static Map<String, Long> countOutcomes(List<TimedCrowd.Timed> joins) {
        return joins.stream().collect(Collectors.groupingBy(
                t -> t.player().outcome(), TreeMap::new, Collectors.counting()));
    }
}
