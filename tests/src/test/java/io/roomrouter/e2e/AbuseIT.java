package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;
import static org.assertj.core.api.Assertions.assertThat;

import io.roomrouter.kit.AgentDecision;
import io.roomrouter.kit.ClientAddress;
import io.roomrouter.kit.HttpReply;
import io.roomrouter.kit.Player;
import io.roomrouter.kit.Stack;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The attacks of issue 12 through the real HAProxy with the reference configuration and the agent at its defaults
 * (3 servers of maxconn 100, rooms of 10). Before, with the same configuration: three polling requests with
 * {@code &size=100} put every server at 100/100 and every new room got 503 full for 61 s; 33 one-request rooms from
 * one client (35 requests in 3 s) kept every server at 99/100 and refused new rooms for about 60 s; the 503 body
 * listed every server and its load; {@code ?ROOM=x}, {@code ?x=1%26room=y} and {@code ?room=a&room=b} reached game
 * servers without a decision or with one for another room than the game server may read.
 */
class AbuseIT {
    private static final InetAddress ATTACKER = InetAddress.getLoopbackAddress(); // 127.0.0.1, one client

    @Test
    void aClientCannotAskForARoomLargerThanMaxRoomSize(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                Crowd crowd = new Crowd(stack.frontend(), 10)) {
            List<HttpReply> big = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                big.add(RawJoin.poll(stack.frontend(), ATTACKER, "room=big" + i + "&size=100"));
            }
            List<Player> legit = crowd.join(Join.room("legit", 1, 10), Crowd.Presence.STAY);
            TestLogs.report(test, "3 polling joins with &size=100: " + statuses(big) + " (before: 3 x 200, every"
                    + " server 100/100 and new rooms refused for 61 s); then a room of 10: "
                    + legit.stream().filter(Player::joined).count() + " of 10 players in");

            assertThat(big).allSatisfy(reply -> {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.header("X-Room-Decision")).contains("rejected");
                assertThat(reply.body()).contains("size 100 (expected: 1 to 10)").doesNotContainPattern("game[0-9]");
            });
            assertThat(legit).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(RoomReport.of(legit).splitRooms()).isEmpty();
        }
    }

    @Test
    void oneClientCannotHoldEverySeatWithRoomsNobodyJoins(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start();
                Crowd crowd = new Crowd(stack.frontend(), 10)) {
            Map<Integer, Integer> statuses = new TreeMap<>();
            List<HttpReply> refused = new ArrayList<>();
            for (int i = 0; i < 33; i++) {
                HttpReply reply = RawJoin.poll(stack.frontend(), ATTACKER, "room=spam" + i);
                statuses.merge(reply.status(), 1, Integer::sum);
                if (reply.status() != 200) {
                    refused.add(reply);
                }
            }
            stack.awaitInventoryRefresh();
            List<Player> legit = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                legit.addAll(crowd.join(Join.room("legit" + r, 1, 10), Crowd.Presence.STAY));
            }
            // the attacker's own rooms still take their players, from the attacker's address too
            HttpReply ownRoom = RawJoin.poll(stack.frontend(), ATTACKER, "room=spam0&player=p2");
            TestLogs.report(test, "33 one-request rooms from one client: " + statuses + " (before: 33 x 200, every"
                    + " server 99/100, new rooms refused for about 60 s); then 3 rooms of 10 from other clients: "
                    + legit.stream().filter(Player::joined).count() + " of 30 players in; a second player of the"
                    + " client's first room: " + ownRoom.status());

            assertThat(statuses).isEqualTo(Map.of(200, 4, 400, 29));
            assertThat(refused).allSatisfy(reply -> {
                assertThat(reply.header("X-Room-Decision")).contains("rejected");
                assertThat(reply.body()).contains("at most 4").doesNotContainPattern("game[0-9]");
            });
            assertThat(legit).allSatisfy(p -> assertThat(p.joined()).as("%s: %s", p, p.reply()).isTrue());
            assertThat(RoomReport.of(legit).splitRooms()).isEmpty();
            assertThat(ownRoom.status()).isEqualTo(200);
            assertThat(ownRoom.header("X-Room-Decision")).contains("sticky");
        }
    }

    @Test
    void aJoinWithoutExactlyOneWellFormedRoomIsRefusedBeforeAnythingSeesIt(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test)).start()) {
            List<String> targets = List.of(
                    "/ws?ROOM=mal1",
                    "/ws?x=1%26room=mal2",
                    "/ws?room=mal3a&room=mal3b",
                    "/ws?room=mal4a&ROOM=mal4b",
                    "/ws?room=mal5a&x=1%26room=mal5b",
                    "/ws?room=mal%206",
                    "/ws?room=mal7/x",
                    "/ws?room=",
                    "/ws?room=" + "m".repeat(65),
                    "/socket.io/?EIO=4&transport=polling&room=mal8a&room=mal8b",
                    "/socket.io/?EIO=4&transport=polling&Room=mal9");
            Map<String, Integer> statuses = new java.util.LinkedHashMap<>();
            List<HttpReply> replies = new ArrayList<>();
            for (String target : targets) {
                HttpReply reply = target.startsWith("/ws")
                        ? RawJoin.upgrade(stack.frontend(), ATTACKER, target)
                        : RawJoin.send(stack.frontend(), ATTACKER, target);
                statuses.put(target.length() > 60 ? target.substring(0, 20) + "...(65 chars)" : target,
                        reply.status());
                replies.add(reply);
            }
            // the longest room id both HAProxy (its stick table key) and the agent accept still joins
            String longest = "L".repeat(64);
            HttpReply ok = RawJoin.upgrade(stack.frontend(), ClientAddress.of(longest, "p1"),
                    "/ws?room=" + longest + "&player=p1");
            List<AgentDecision> decisions = stack.agent().awaitDecisions(1, Duration.ofSeconds(5));
            TestLogs.report(test, "malformed joins: " + statuses + "; then a 64-character room: " + ok.status()
                    + "; agent decisions: " + decisions.size());

            assertThat(replies).allSatisfy(reply -> {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.header("X-Room-Decision")).contains("rejected");
                assertThat(reply.header(io.roomrouter.kit.GameServer.SERVER_HEADER)).isEmpty();
                assertThat(reply.body()).contains("exactly one room id");
            });
            assertThat(ok.status()).isEqualTo(101);
            // the agent saw none of them: its only decision is the well-formed join's
            assertThat(decisions).extracting(AgentDecision::room).containsExactly(longest);
        }
    }

    @Test
    void refusalsTellPlayersWhyButNotWhichServersExistOrHowFull(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .beforeAgent(api -> List.of("game1", "game2", "game3")
                                .forEach(s -> api.setMaxconn(GAME_BACKEND, s, 5)))
                        .start()) {
            HttpReply full = RawJoin.upgrade(stack.frontend(), ClientAddress.of("f1", "p1"), "/ws?room=f1&player=p1");
            AgentDecision logged = stack.agent().awaitDecisions(1, Duration.ofSeconds(5)).get(0);
            TestLogs.report(test, "full: " + full.status() + " " + full.headers() + " '" + full.body().strip()
                    + "'; the agent's log: " + logged.reason());

            assertThat(full.status()).isEqualTo(503);
            assertThat(full.header("X-Room-Decision")).contains("full");
            assertThat(full.body()).isEqualTo("no game server has room for a new game right now; please try again"
                    + " later\n");
            assertThat(full.headers()).doesNotContainKeys("x-room-server", "x-room-reason");
            assertThat(logged.reason()).contains("game1 0/5");
        }
    }

    @Test
    void theOperatorCanTurnDebugHeadersOn(TestInfo test) throws Exception {
        try (Stack stack = Stack.builder(TestLogs.dir(test))
                        .haproxyEnvironment("RR_DEBUG_HEADERS", "1")
                        .beforeAgent(api -> api.setMaxconn(GAME_BACKEND, "game1", 5))
                        .start()) {
            HttpReply placed = RawJoin.upgrade(stack.frontend(), ClientAddress.of("d1", "p1"), "/ws?room=d1&player=p1");
            TestLogs.report(test, "with RR_DEBUG_HEADERS=1: " + placed.status() + " " + placed.headers());

            assertThat(placed.status()).isEqualTo(101);
            assertThat(placed.header("X-Room-Server")).hasValueSatisfying(s -> assertThat(s).isIn("game2", "game3"));
            assertThat(placed.header("X-Room-Reason")).contains("least-loaded");
        }
    }

    private static String statuses(List<HttpReply> replies) {
        return replies.stream().map(r -> Integer.toString(r.status())).toList().toString();
    }
}
