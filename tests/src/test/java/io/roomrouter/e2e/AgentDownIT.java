package io.roomrouter.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.GameServer;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Without the agent, HAProxy's consistent hashing on the room id still gets everyone in, rooms together, once
 * HAProxy has seen the agent down; until then joins are refused for a retry.
 */
class AgentDownIT {

    private static Stack.Builder stack(TestInfo test) {
        return Stack.builder(TestLogs.dir(test));
    }

    @Test
    void roomsStayTogetherAfterTheAgentIsKilled(TestInfo test) throws Exception {
        try (Stack stack = stack(test).start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            Player placed = crowd.joinOne("before-kill", "p1");
            assertThat(placed.joined()).as("join while the agent runs: %s", placed.reply()).isTrue();
            assertThat(placed.decision()).isEqualTo("placed");

            stack.agent().kill();
            long killedAt = System.nanoTime();
            // While HAProxy counts the agent UP, a join it cannot reach is refused (503 retry), not hashed: the
            // agent may only be late. The reference configuration marks the agent down at the first connection
            // error of real traffic, so this first join after the kill already finds it down, or nearly.
            Player early = Player.join(stack.frontend(), "early", "p1");
            early.close();
            assertThat(early.reply().status()).as("a join right after the kill: %s", early.reply()).isIn(101, 503);
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "DOWN",
                    Duration.ofSeconds(15));
            long downMillis = (System.nanoTime() - killedAt) / 1_000_000;
            TestLogs.report(test, "agent seen DOWN " + downMillis + " ms after the kill; the first join after it: "
                    + early.reply().status() + " " + early.decision());
            assertThat(downMillis).as("ms from the kill until HAProxy sees the agent DOWN").isLessThan(1000);

            assertJoinsFallBackToHashing(test, stack, crowd);
        }
    }

    @Test
    void roomsStayTogetherWithNoAgentAtAll(TestInfo test) throws Exception {
        try (Stack stack = stack(test).withoutAgent().start();
                Crowd crowd = new Crowd(stack.frontend(), 8)) {
            // HAProxy counts a server UP until its first checks fail.
            stack.haproxy().awaitServerStatus(Stack.AGENT_BACKEND, Stack.AGENT_SERVER, "DOWN",
                    Duration.ofSeconds(15));
            assertJoinsFallBackToHashing(test, stack, crowd);
        }
    }

    private static void assertJoinsFallBackToHashing(TestInfo test, Stack stack, Crowd crowd)
            throws InterruptedException, IOException {
        List<Player> players = crowd.join(Join.interleaved("down", 30, 5), Crowd.Presence.LEAVE);
        RoomReport report = RoomReport.of(players);
        TestLogs.report(test, report.summary());

        assertThat(players).allSatisfy(p -> {
            assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue();
            assertThat(p.decision()).as("X-Room-Decision of %s", p).isEmpty();
        });
        assertThat(report.splitRooms()).isEmpty();
        List<String> servers = stack.gameServers().all().stream().map(GameServer::name).toList();
        assertThat(report.roomsPerServer().keySet())
                .as("hashing spreads 30 rooms over more than one server").hasSizeGreaterThan(1)
                .isSubsetOf(servers);

        // Polling requests of a room go where its WebSocket players went.
        String home = report.room("down1").home();
        HttpReply poll = Player.poll(stack.frontend(), "down1", "poller");
        assertThat(poll.status()).isEqualTo(200);
        assertThat(poll.header(GameServer.SERVER_HEADER)).contains(home);
    }
}
