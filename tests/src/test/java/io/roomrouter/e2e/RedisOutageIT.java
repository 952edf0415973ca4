package io.roomrouter.e2e;

import static io.roomrouter.e2e.RoomRouterStack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Redis dies under two proxies and comes back empty: joins never wait longer than the agents' Redis timeout,
 * rooms placed before stay put, new rooms go to their rendezvous server (the same through either proxy), and once
 * Redis is back each agent gives it the rooms it knows.
 */
class RedisOutageIT {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    private static final int ROOMS_BEFORE = 40;
    private static final int ROOMS_DURING = 30;
    /**
     * The agents' {@code --redis-timeout}: above the default 20 ms, below HAProxy's 100 ms {@code timeout processing}.
     * This machine runs two HAProxies, two agents, Redis, three game servers and the test's players on two cores:
     * even with the agents warmed up, a join now and then waits 10 to 20 ms for a core (cache hits included, whose
     * answers need no Redis; one first join in nine runs took 20.4 ms). A first join past the bound before the outage
     * is placed {@code degraded}, and may be split from where the other proxy's agent has Redis place the room: that
     * is the hazard of a slow Redis at a tight bound, not what this test is about. The outage's bound is checked
     * against this value.
     */
    private static final Duration REDIS_TIMEOUT = Duration.ofMillis(50);
    /** Scheduling slack on top of the Redis timeout, on a 2-core machine shared with other builds. */
    private static final Duration AGENT_SLACK = Duration.ofMillis(80);
    /**
     * A player's join crosses HAProxy twice, the agent, and the game server's WebSocket handshake: the bound is the
     * agent's plus that round, and stays well below the SPOE timeout (1 s in the tests), past which HAProxy would
     * have given up on the agent.
     */
    private static final Duration PLAYER_BOUND = Duration.ofMillis(500);

    /** Players {@code p<from>..p<to>} of rooms {@code <prefix>1..N}, each through one proxy or the other. */
    private static List<TimedCrowd.Route> routes(SharedStoreStack stack, String prefix, int rooms, int from, int to) {
        List<TimedCrowd.Route> routes = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            for (int r = 1; r <= rooms; r++) {
                routes.add(new TimedCrowd.Route(stack.proxy((r + p) % 2).frontend(), new Join(prefix + r, "p" + p)));
            }
        }
        return routes;
    }

    private static List<TimedCrowd.Timed> joinAll(TimedCrowd crowd, List<TimedCrowd.Route> routes)
            throws InterruptedException {
        List<TimedCrowd.Timed> joined = crowd.join(routes, Crowd.Presence.LEAVE);
        assertThat(joined).allSatisfy(t -> assertThat(t.player().joined())
                .as("%s via %s: %s", t.player(), t.via(), t.player().reply()).isTrue());
        return joined;
    }

    private static Map<String, String> homes(RoomReport report) {
        return report.rooms().stream().collect(Collectors.toMap(RoomReport.Room::room, RoomReport.Room::home));
    }

    /** The decision lines each agent logged from line {@code from[i]} of its log on. */
    private static List<String> decisionLines(SharedStoreStack stack, List<Integer> from) {
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
    private static List<String> awaitDecisionLines(SharedStoreStack stack, List<Integer> from, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        List<String> lines = decisionLines(stack, from);
        while (lines.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
            lines = decisionLines(stack, from);
        }
        return lines;
    }

    private static List<Integer> logMarks(SharedStoreStack stack) {
        return stack.proxies().stream().map(p -> p.agent().log().size()).toList();
    }

    @Test
    void joinsStayFastAndRoomsStayPutWhileRedisIsDown(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                SharedStoreStack stack = SharedStoreStack.builder(TestLogs.dir(test), redis.uri())
                        .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, 1000)))
                        .agentArgs("--redis-timeout", REDIS_TIMEOUT.toMillis() + "ms")
                        .start();
                TimedCrowd crowd = new TimedCrowd(4)) {
            // Before: rooms placed through Redis, gently (4 at a time), so that Redis answers within the bound.
            List<Integer> beforeStart = logMarks(stack);
            List<TimedCrowd.Timed> beforeJoins = joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 1, 3));
            RoomReport before = RoomReport.of(TimedCrowd.players(beforeJoins));
            TestLogs.report(test, "before the outage: " + before.summary());
            assertThat(before.splitRooms()).isEmpty();
            Map<String, String> homes = homes(before);

            // The agents write a decision's line a few ms after answering it: the outage's lines start after the
            // last of these, or a late one would count as a decision during the outage.
            assertThat(awaitDecisionLines(stack, beforeStart, beforeJoins.size()))
                    .as("decisions logged before the outage").hasSize(beforeJoins.size());
            List<Integer> outageStart = logMarks(stack);
            redis.kill();
            for (SharedStoreStack.Proxy proxy : stack.proxies()) {
                Optional<String> lost = proxy.agent().awaitLine(l -> l.contains("connection lost"), Duration.ofSeconds(5));
                TestLogs.report(test, proxy + " agent: " + lost.orElse("(no connection-lost line)"));
                assertThat(lost).as("%s agent noticed the outage", proxy).isPresent();
            }

            // During: the old rooms' next players, and new rooms, through both proxies.
            List<TimedCrowd.Timed> during = new ArrayList<>();
            during.addAll(joinAll(crowd, routes(stack, "before", ROOMS_BEFORE, 4, 6)));
            during.addAll(joinAll(crowd, routes(stack, "during", ROOMS_DURING, 1, 3)));
            List<String> outageDecisions = awaitDecisionLines(stack, outageStart, during.size());
            List<Integer> outageEnd = logMarks(stack);

            RoomReport duringReport = RoomReport.of(TimedCrowd.players(during));
            long worstAgentMicros = outageDecisions.stream().map(AgentDecision::micros)
                    .mapToLong(OptionalLong::getAsLong).max().orElse(0);
            Duration worstPlayer = TimedCrowd.slowest(during);
            long degradedRooms = outageDecisions.stream().map(AgentDecision::parse).flatMap(Optional::stream)
                    .filter(d -> d.decision().equals("degraded")).map(AgentDecision::room).distinct().count();
            long degradedDecisions = outageDecisions.stream().map(AgentDecision::parse).flatMap(Optional::stream)
                    .filter(d -> d.decision().equals("degraded")).count();
            TestLogs.report(test, "during the outage: " + during.size() + " joins, " + outageDecisions.size()
                    + " agent decisions; worst join as players saw it " + worstPlayer.toMillis()
                    + " ms, worst agent decision " + worstAgentMicros + " us (bound " + REDIS_TIMEOUT.toMillis()
                    + " ms + " + AGENT_SLACK.toMillis() + " ms slack)");
            TestLogs.report(test, "during the outage: rooms placed degraded " + degradedRooms + " (" + degradedDecisions
                    + " degraded decisions); decisions " + RedisTwoProxiesIT.decisionCounts(during) + "; rooms split "
                    + duringReport.splitRooms().size() + " " + duringReport.splitRooms());

            assertThat(outageDecisions).as("decisions logged during the outage").hasSize(during.size());
            assertThat(worstAgentMicros).as("slowest agent decision during the outage, micros")
                    .isLessThanOrEqualTo(REDIS_TIMEOUT.plus(AGENT_SLACK).toNanos() / 1000);
            assertThat(worstPlayer).as("slowest join during the outage").isLessThan(PLAYER_BOUND);
            assertThat(duringReport.splitRooms()).isEmpty();
            for (RoomReport.Room room : duringReport.rooms()) {
                if (homes.containsKey(room.room())) {
                    assertThat(room.home()).as("home of %s during the outage", room.room())
                            .isEqualTo(homes.get(room.room()));
                    assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 3L));
                } else {
                    assertThat(room.decisions().keySet()).as("decisions of %s", room.room())
                            .containsExactlyInAnyOrder("degraded", "sticky");
                }
            }
            assertThat(degradedRooms).isEqualTo(ROOMS_DURING);
            homes.putAll(homes(duringReport));

            // After: an empty Redis on the same port; each agent reconnects and offers it the rooms it knows.
            redis.restart();
            for (SharedStoreStack.Proxy proxy : stack.proxies()) {
                Optional<String> reconciled = proxy.agent().awaitLine(
                        l -> l.contains("reconnected after") && l.contains("reconciled"), Duration.ofSeconds(20));
                TestLogs.report(test, proxy + " agent: " + reconciled.orElse("(no reconciliation line)"));
                assertThat(reconciled).as("%s agent's reconciliation", proxy).isPresent();
            }
            List<TimedCrowd.Route> again = new ArrayList<>(routes(stack, "before", ROOMS_BEFORE, 7, 7));
            again.addAll(routes(stack, "during", ROOMS_DURING, 4, 4));
            RoomReport after = RoomReport.of(TimedCrowd.players(joinAll(crowd, again)));
            List<String> afterDecisions = decisionLines(stack, outageEnd);
            TestLogs.report(test, "after the restart: " + after.summary() + "; decisions "
                    + afterDecisions.stream().map(AgentDecision::parse).flatMap(Optional::stream)
                            .collect(Collectors.groupingBy(AgentDecision::decision, Collectors.counting())));
            assertThat(after.rooms()).hasSize(ROOMS_BEFORE + ROOMS_DURING).allSatisfy(room -> {
                assertThat(room.home()).as("home of %s after the restart", room.room())
                        .isEqualTo(homes.get(room.room()));
                assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 1L));
            });
        }
    }
}
