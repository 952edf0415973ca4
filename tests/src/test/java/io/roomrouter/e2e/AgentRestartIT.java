package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import io.roomrouter.placement.Reasons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The agent away and back, with the shipped configuration and the memory store: HAProxy's stick table carries
 * the rooms meanwhile, and the agent reads them back when it restarts (issue 11, items 4 and 5). Rooms of 10
 * (the default), 3 game servers, players joining before, during and after; every player stays connected, so
 * HAProxy's live counts are real.
 */
class AgentRestartIT {
    private static final String BE = Stack.GAME_BACKEND;
    private static final RetryPolicy RETRYING = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(15));
    private static final Duration DOWN_WITHIN = Duration.ofSeconds(15);
    /**
     * At most this many of the 18 rooms' first joins back refused because HAProxy's table did not answer within
     * the agent's bound: none in most runs, one in CI once (HAProxy 3.4.7, lookups of 1.5 to 15.8 ms beside it).
     */
    private static final int MOST_TABLE_NOT_READ = 4;

    @Test
    void aRestartedAgentMovesNoRoomAndAFullServerStaysFull(TestInfo test) throws Exception {
        // An operator's runtime settings: game1 takes 30 players, and game2/game3 drain for now, so that the first
        // three rooms all go to game1 and fill it (30 seats held for 12 players in).
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .beforeAgent(api -> {
                            api.setMaxconn(BE, "game1", 30);
                            api.setState(BE, "game2", "drain");
                            api.setState(BE, "game3", "drain");
                        })
                        .start();
                TimedCrowd crowd = new TimedCrowd(8)) {
            List<Player> players = new ArrayList<>(join(stack, crowd, Join.interleaved("full", 3, 1, 4)));
            setState(stack, "ready", "game2", "game3");
            players.addAll(join(stack, crowd, Join.interleaved("open", 4, 1, 4)));
            Map<String, String> homes = homes(players);
            assertThat(homes).containsEntry("full1", "game1").containsEntry("full2", "game1")
                    .containsEntry("full3", "game1");
            assertThat(homes).as("game1 is full: no other room there").doesNotContainEntry("open1", "game1")
                    .doesNotContainEntry("open2", "game1").doesNotContainEntry("open3", "game1")
                    .doesNotContainEntry("open4", "game1");

            stack.agent().kill();
            // Players keep coming while the agent is away: HAProxy's table sends them to their rooms.
            List<Join> whileDown = new ArrayList<>(Join.interleaved("full", 3, 5, 6));
            whileDown.addAll(Join.interleaved("open", 4, 5, 6));
            players.addAll(join(stack, crowd, whileDown));
            int decisionsBefore = stack.agent().decisions().size();

            long restartNanos = System.nanoTime();
            stack.agent().restart();
            long restartMillis = (System.nanoTime() - restartNanos) / 1_000_000;
            String readBack = stack.agent().awaitLine(line -> line.contains("stick table be_game:"),
                    Duration.ofSeconds(5)).orElse("no line");
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "UP",
                    DOWN_WITHIN);

            // game1 holds 18 players of 3 rooms still filling: 12 seats free, enough for a room of 10 unless the
            // restarted agent counts the seats its rooms hold. With only game1 taking new rooms, a new room is full.
            setState(stack, "drain", "game2", "game3");
            Player probe = Player.join(stack.frontend(), "probe", "p1");
            probe.close();
            setState(stack, "ready", "game2", "game3");

            List<Join> after = new ArrayList<>(Join.interleaved("full", 3, 7, 10));
            after.addAll(Join.interleaved("open", 4, 7, 10));
            after.addAll(Join.interleaved("fresh", 2, 1, 10));
            players.addAll(join(stack, crowd, after));

            RoomReport report = RoomReport.of(players);
            List<AgentDecision> all = stack.agent().awaitDecisions(decisionsBefore + 1 + after.size(),
                    Duration.ofSeconds(5));
            List<AgentDecision> restarted = all.subList(decisionsBefore, all.size());
            TestLogs.report(test, "agent restarted in " + restartMillis + " ms; " + readBack.replaceAll(".*Agent - ", "")
                    + "; new room on a full game1 after the restart: " + probe.reply().status() + " "
                    + probe.decision() + "; " + report.summary());

            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(report.splitRooms()).as("rooms split").isEmpty();
            assertThat(homes(players)).as("no known room moved").containsAllEntriesOf(homes);
            assertThat(readBack).contains("7 rooms read back");
            assertThat(probe.reply().status()).as("a new room when only the full game1 takes rooms: %s", probe.reply())
                    .isEqualTo(503);
            assertThat(probe.decision()).isEqualTo("full");
            assertThat(restarted).filteredOn(d -> !d.room().startsWith("fresh") && !d.room().equals("probe"))
                    .allSatisfy(d -> assertThat(d.decision()).as("%s", d).isEqualTo("sticky"));
            assertThat(restarted).filteredOn(d -> d.room().startsWith("fresh"))
                    .allSatisfy(d -> assertThat(d.server()).as("%s", d).isNotEqualTo("game1"));
        }
    }

    @Test
    void roomsThatBeginWhileTheAgentIsAwayKeepTheirServer(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                TimedCrowd crowd = new TimedCrowd(8)) {
            // Killed: HAProxy hashes the new rooms and its table stores where; the restarted agent reads them back.
            stack.agent().kill();
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "DOWN",
                    DOWN_WITHIN);
            List<Player> players = new ArrayList<>(join(stack, crowd, Join.interleaved("killed", 9, 1, 3)));
            Map<String, String> bornWhileKilled = homes(players);
            stack.agent().restart();
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "UP",
                    DOWN_WITHIN);

            // Paused (SIGSTOP): the agent keeps running with what it knew; the rooms that begin meanwhile are new to
            // it when it is back, and it finds them in the table at their next join.
            stack.agent().pause();
            try {
                stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER,
                        "DOWN", DOWN_WITHIN);
                players.addAll(join(stack, crowd, Join.interleaved("paused", 9, 1, 3)));
            } finally {
                stack.agent().resume();
            }
            Map<String, String> bornWhilePaused = new LinkedHashMap<>(homes(players));
            bornWhilePaused.keySet().removeAll(bornWhileKilled.keySet());
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "UP",
                    DOWN_WITHIN);
            int decisionsBefore = stack.agent().decisions().size();

            List<Join> after = new ArrayList<>(Join.interleaved("killed", 9, 4, 10));
            after.addAll(Join.interleaved("paused", 9, 4, 10));
            after.addAll(Join.interleaved("new", 3, 1, 2));
            players.addAll(join(stack, crowd, after));

            RoomReport report = RoomReport.of(players);
            List<AgentDecision> all = stack.agent().awaitDecisions(decisionsBefore + after.size(), Duration.ofSeconds(5));
            List<AgentDecision> back = all.subList(decisionsBefore, all.size());
            List<String> lines = stack.agent().log();
            LongSummaryStatistics adoptedMicros = micros(lines, "adopted");
            LongSummaryStatistics placedMicros = micros(lines, "decision=placed");
            TestLogs.report(test, report.summary() + "; hashed while killed: " + servers(bornWhileKilled)
                    + ", while paused: " + servers(bornWhilePaused) + "; first joins adopted from the table: "
                    + adoptedMicros.getCount() + " in " + adoptedMicros.getMin() + ".." + adoptedMicros.getMax()
                    + " us (mean " + (long) adoptedMicros.getAverage() + "); first joins placed (table asked, room"
                    + " not there): " + placedMicros.getCount() + " in " + placedMicros.getMin() + ".."
                    + placedMicros.getMax() + " us (mean " + (long) placedMicros.getAverage() + ")");

            assertThat(players).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(report.splitRooms()).as("rooms split").isEmpty();
            assertThat(homes(players)).as("rooms kept where they began").containsAllEntriesOf(bornWhileKilled)
                    .containsAllEntriesOf(bornWhilePaused);
            // Hashing spread them: without the table, the agent would have placed most of them elsewhere.
            assertThat(servers(bornWhileKilled).keySet()).hasSizeGreaterThan(1);
            // A first join back whose table lookup took longer than its bound (a busy CPU: seen once in CI, on 3.4)
            // is refused for a retry rather than placed anew, which could split the room; its player retries.
            List<AgentDecision> unread = back.stream().filter(d -> d.decision().equals(JoinAttempt.RETRY)).toList();
            assertThat(unread).allSatisfy(d -> assertThat(d.reason()).as("%s", d).isEqualTo(Reasons.TABLE_NOT_READ))
                    .hasSizeLessThanOrEqualTo(MOST_TABLE_NOT_READ);
            assertThat(back).filteredOn(d -> !d.room().startsWith("new") && !unread.contains(d))
                    .allSatisfy(d -> assertThat(d.decision()).as("%s", d).isEqualTo("sticky"));
            assertThat(back).filteredOn(d -> d.room().startsWith("paused") && d.reason().startsWith("adopted"))
                    .extracting(AgentDecision::room).containsExactlyInAnyOrderElementsOf(bornWhilePaused.keySet());
        }
    }

    private static List<Player> join(Stack stack, TimedCrowd crowd, List<Join> joins)
            throws InterruptedException {
        List<TimedCrowd.Route> routes = joins.stream().map(j -> new TimedCrowd.Route(stack.frontend(), j)).toList();
        return crowd.joinRetrying(routes, Crowd.Presence.STAY, RETRYING).stream().map(RetriedJoin::player).toList();
    }

    private static void setState(Stack stack, String state, String... servers) throws InterruptedException {
        for (String server : servers) {
            stack.runtimeApi().setState(BE, server, state);
        }
        stack.awaitInventoryRefresh();
    }

    private static Map<String, String> homes(List<Player> players) {
        Map<String, String> homes = new LinkedHashMap<>();
        RoomReport.of(players).rooms().forEach(room -> homes.put(room.room(), room.home()));
        return homes;
    }

    private static Map<String, Long> servers(Map<String, String> homes) {
        Map<String, Long> count = new LinkedHashMap<>();
        homes.values().forEach(server -> count.merge(server, 1L, Long::sum));
        return count;
    }

    private static LongSummaryStatistics micros(List<String> lines, String marker) {
        LongSummaryStatistics stats = new LongSummaryStatistics();
        for (String line : lines) {
            if (line.contains(marker) && !line.contains("room-router-warmup")) {
                OptionalLong micros = AgentDecision.micros(line);
                micros.ifPresent(stats);
            }
        }
        return stats;
    }
}
