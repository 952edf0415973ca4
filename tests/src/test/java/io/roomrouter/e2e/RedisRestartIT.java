package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentProcess;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.kit.Stack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Two proxies sharing Redis: restarting an agent or reloading an HAProxy loses nothing, since the rooms live in
 * Redis; every room placed before is joined again on its server.
 */
class RedisRestartIT {

    private static final int ROOMS = 30;
    private static final Duration AGENT_STATE_WITHIN = Duration.ofSeconds(15);
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(15));

    /** Rooms of 6 (so 30 rooms reserve 180 seats, within the reference maxconn 3 x 100 that a reload restores). */
    private static Stack stack(TestInfo test, RedisProcess redis) throws InterruptedException {
        return Stack.builder(TestLogs.dir(test)).proxies(2).redis(redis.uri())
                .agentArgs("--room-size", "6")
                .start();
    }

    /** Players {@code p<from>..p<to>} of every room, each through one proxy or the other, alternating. */
    private static RoomReport join(Stack stack, TimedCrowd crowd, int from, int to)
            throws InterruptedException {
        return join(stack, crowd, from, to, (room, player) -> (room + player) % 2);
    }

    /** Which proxy player {@code p<player>} of {@code room<room>} joins through. */
    @FunctionalInterface
    private interface Via {
        int proxy(int room, int player);
    }

    /** Players {@code p<from>..p<to>} of every room, each through the proxy {@code via} names. */
    private static RoomReport join(Stack stack, TimedCrowd crowd, int from, int to, Via via)
            throws InterruptedException {
        List<TimedCrowd.Route> routes = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            for (int r = 1; r <= ROOMS; r++) {
                routes.add(new TimedCrowd.Route(stack.proxy(via.proxy(r, p)).frontend(),
                        new Join("room" + r, "p" + p)));
            }
        }
        // A join the shared CPU delayed past its bound is refused for a retry, which the player makes.
        List<RetriedJoin> joined = crowd.joinRetrying(routes, Crowd.Presence.LEAVE, RETRYING);
        assertThat(joined).allSatisfy(j -> assertThat(j.player().joined())
                .as("%s via %s: %s", j.player(), j.route().via(), j.player().reply()).isTrue());
        return RoomReport.of(FailoverJoins.players(joined));
    }

    private static Map<String, String> homes(RoomReport report) {
        assertThat(report.splitRooms()).isEmpty();
        return report.rooms().stream().collect(Collectors.toMap(RoomReport.Room::room, RoomReport.Room::home));
    }

    /** Every room on the server it had before, every join of it sticky. */
    private static void assertNoRoomMoved(TestInfo test, Map<String, String> before, RoomReport after, String what) {
        long moved = after.rooms().stream().filter(r -> !r.home().equals(before.get(r.room()))).count();
        TestLogs.report(test, what + ": " + after.summary() + "; rooms moved: " + moved);
        assertThat(after.splitRooms()).isEmpty();
        assertThat(after.rooms()).hasSize(ROOMS).allSatisfy(room -> {
            assertThat(room.home()).as("home of %s", room.room()).isEqualTo(before.get(room.room()));
            assertThat(room.decisions()).as("decisions of %s", room.room()).isEqualTo(Map.of("sticky", 3L));
        });
    }

    @Test
    void agentRestartMovesNoRoom(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = stack(test, redis);
                TimedCrowd crowd = new TimedCrowd(8)) {
            Map<String, String> before = homes(join(stack, crowd, 1, 3));

            // Both agents, one after the other: each comes back knowing nothing but what Redis tells it.
            for (Stack.Proxy proxy : stack.proxies()) {
                proxy.agent().kill();
                proxy.agent().restart();
                stack.awaitAgentUp(proxy);
            }
            stack.awaitInventoryRefresh();

            assertNoRoomMoved(test, before, join(stack, crowd, 4, 6), "after both agents restarted");
        }
    }

    @Test
    void roomsBornWhileNoAgentAnsweredKeepTheirServerWhenTheAgentsComeBack(TestInfo test) throws Exception {
        hashedRoomsStayWhenTheAgentsReturn(test, "after the agents came back", AgentProcess::kill,
                AgentProcess::restart);
    }

    @Test
    void roomsBornWhileTheAgentsWerePausedKeepTheirServerWhenTheyResume(TestInfo test) throws Exception {
        // Resumed, each agent sees it did not run for seconds and reads its table as a restarted one does.
        hashedRoomsStayWhenTheAgentsReturn(test, "after the agents resumed", AgentProcess::pause,
                AgentProcess::resume);
    }

    /** What happens to an agent: killed, paused (SIGSTOP), restarted, resumed. */
    @FunctionalInterface
    private interface AgentStep {
        void apply(AgentProcess agent) throws InterruptedException;
    }

    /**
     * Both agents {@code away}: each HAProxy marks its agent DOWN, hashes the new rooms, and the peered tables remember
     * where. Both {@code back}: each reads its table and offers Redis the rooms it lacks, so they stay where they began.
     */
    private static void hashedRoomsStayWhenTheAgentsReturn(TestInfo test, String what, AgentStep away, AgentStep back)
            throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = stack(test, redis);
                TimedCrowd crowd = new TimedCrowd(8)) {
            for (Stack.Proxy proxy : stack.proxies()) {
                away.apply(proxy.agent());
                proxy.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "DOWN",
                        AGENT_STATE_WITHIN);
            }
            Map<String, String> hashed;
            try {
                hashed = homes(join(stack, crowd, 1, 3));
            } finally {
                for (Stack.Proxy proxy : stack.proxies()) {
                    back.apply(proxy.agent());
                }
            }
            assertThat(new HashSet<>(hashed.values())).as("hashing spread the rooms").hasSizeGreaterThan(1);
            for (Stack.Proxy proxy : stack.proxies()) {
                stack.awaitAgentUp(proxy);
                String offered = proxy.agent().awaitLine(line -> line.contains("rooms offered to redis"),
                        AGENT_STATE_WITHIN).orElse("no line");
                TestLogs.report(test, proxy + ": " + offered.replaceAll(".*RedisTableReadBack - ", ""));
            }
            stack.awaitInventoryRefresh();

            assertNoRoomMoved(test, hashed, join(stack, crowd, 4, 6), what);
        }
    }

    @Test
    void roomsBegunThroughAProxyWhoseAgentAloneIsAwayStayWhereTheyBegan(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = stack(test, redis);
                TimedCrowd crowd = new TimedCrowd(8)) {
            Stack.Proxy lonely = stack.proxy(0);
            lonely.agent().kill();
            lonely.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "DOWN", AGENT_STATE_WITHIN);

            // The first player of every room through the proxy without an agent: hashed, and remembered by its table,
            // which the peers share; Redis hears nothing of these rooms.
            Map<String, String> hashed = homes(join(stack, crowd, 1, 1, (room, player) -> 0));
            assertThat(new HashSet<>(hashed.values())).as("hashing spread the rooms").hasSizeGreaterThan(1);
            awaitTable(stack.proxy(1), hashed);

            // The next players through the other proxy, whose agent answers from Redis: Redis does not have the rooms,
            // HAProxy says its table does, and the agent asks the table. A lookup later than its bound is refused for
            // a retry (placed anew, the room could split), which these players make as clients do.
            List<TimedCrowd.Route> routes = new ArrayList<>();
            for (int p = 2; p <= 3; p++) {
                for (int r = 1; r <= ROOMS; r++) {
                    routes.add(new TimedCrowd.Route(stack.proxy(1).frontend(), new Join("room" + r, "p" + p)));
                }
            }
            List<RetriedJoin> retried = crowd.joinRetrying(routes, Crowd.Presence.LEAVE, RETRYING);
            assertThat(retried).allSatisfy(j -> assertThat(j.player().joined())
                    .as("%s: %s", j.player(), j.player().reply()).isTrue());
            RoomReport other = RoomReport.of(retried.stream().map(RetriedJoin::player).toList());
            TestLogs.report(test, "through the proxy with its agent: " + other.summary() + "; retries: "
                    + retried.stream().mapToInt(RetriedJoin::retries).sum());
            assertThat(other.splitRooms()).isEmpty();
            assertThat(other.rooms()).allSatisfy(room -> assertThat(room.home()).as("home of %s", room.room())
                    .isEqualTo(hashed.get(room.room())));

            lonely.agent().restart();
            stack.awaitAgentUp(lonely);
            stack.awaitInventoryRefresh();
            assertNoRoomMoved(test, hashed, join(stack, crowd, 4, 6), "after the lonely agent came back");
        }
    }

    /** Until {@code proxy}'s stick table has every room of {@code rooms} on its server (peers push within ms). */
    private static void awaitTable(Stack.Proxy proxy, Map<String, String> rooms) throws InterruptedException {
        long deadline = System.nanoTime() + AGENT_STATE_WITHIN.toNanos();
        while (!proxy.haproxy().stickTable(Stack.GAME_BACKEND).entrySet().containsAll(rooms.entrySet())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(proxy.haproxy().stickTable(Stack.GAME_BACKEND)).as("%s's table", proxy)
                .containsAllEntriesOf(rooms);
    }

    @Test
    void haproxyReloadMovesNoRoom(TestInfo test) throws Exception {
        try (RedisProcess redis = RedisProcess.start(TestLogs.dir(test));
                Stack stack = stack(test, redis);
                TimedCrowd crowd = new TimedCrowd(8)) {
            Map<String, String> before = homes(join(stack, crowd, 1, 3));

            for (Stack.Proxy proxy : stack.proxies()) {
                long oldPid = proxy.haproxy().pid();
                proxy.haproxy().reload(); // haproxy -sf <old pid>, same configuration
                assertThat(proxy.haproxy().pid()).as("pid of %s after the reload", proxy).isNotEqualTo(oldPid);
                stack.awaitAgentUp(proxy);
                TestLogs.report(test, proxy + ": haproxy reloaded, pid " + oldPid + " -> " + proxy.haproxy().pid());
            }
            stack.awaitInventoryRefresh();

            assertNoRoomMoved(test, before, join(stack, crowd, 4, 6), "after both haproxys reloaded");
        }
    }
}
