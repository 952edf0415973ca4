package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopMessage.Arg;
import io.roomrouter.spop.TypedData;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The room API and the status page of a running agent (memory store, static inventory), over real sockets: each
 * endpoint, its errors, and the token on state changes. Each test uses rooms of its own: the agent is shared.
 */
class AdminRoomApiIT {
    private static Agent agent;
    private static EventLoopGroup group;
    private static SpopClient client;
    private static final AtomicLong streams = new AtomicLong();

    @BeforeAll
    static void startAgent() throws Exception {
        agent = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--servers", "be_game=game1,game2", "--servers", "be_other=x1",
                "--servers", "be_empty=e1", "--server-capacity", "100", "--room-size", "4"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = SpopClient.ready(group, agent.spopAddress());
    }

    @AfterAll
    static void stopAgent() {
        client.close();
        agent.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void getRoomShowsItsServerPlayersSeatsAgeAndDecisions() throws Exception {
        String server = join("api-r1", "p1");
        assertThat(join("api-r1", "p2")).isEqualTo(server);
        assertThat(join("api-r1", "p2")).isEqualTo(server); // a reconnect, seen once

        HttpResponse<String> response = get("/rooms/be_game/api-r1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
        Map<String, Object> room = TestJson.object(response.body());
        assertThat(room).containsEntry("backend", "be_game").containsEntry("room", "api-r1")
                .containsEntry("server", server).containsEntry("size", 4L).containsEntry("playersSeen", 2L)
                .containsEntry("seatsHeld", 4L);
        assertThat((Long) room.get("ageMillis")).isBetween(0L, 60_000L);
        assertThat((Long) room.get("idleMillis")).isBetween(0L, 60_000L);
        assertThat(room.get("fallback")).isIn("game1", "game2");
        List<Map<String, Object>> decisions = list(room.get("decisions"));
        assertThat(decisions).extracting(d -> d.get("decision")).containsExactly("sticky", "sticky", "placed");
        assertThat(decisions.get(2)).containsEntry("reason", "least-loaded").containsEntry("server", server);
    }

    @Test
    void getRoomErrors() throws Exception {
        assertError(get("/rooms/be_game/api-never"), 404, "no such room: api-never in backend be_game");
        assertError(get("/rooms/be_none/api-r"), 404, "no such backend: be_none");
        assertError(get("/rooms/be_game/bad%20room"), 400, "room has character 0x20 at 3 (expected: [A-Za-z0-9._:-])");
        assertError(get("/rooms/be_game/" + "x".repeat(65)), 400, "room length 65 (expected: <= 64)");
        assertError(get("/rooms/be_game"), 404, "no such path: /rooms/be_game (expected: /rooms/<backend>/<room>)");
        assertError(get("/rooms/be_game/r/x"), 404,
                "no such path: /rooms/be_game/r/x (expected: /rooms/<backend>/<room>)");
        assertMethodNotAllowed("/rooms/be_game/r", "PUT", "GET, DELETE");
    }

    @Test
    void listRoomsPagesThroughEveryRoomInIdOrder() throws Exception {
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String room = "api-list-" + i;
            join(room, "p");
            placed.add(room);
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        List<Integer> sizes = new ArrayList<>();
        do {
            HttpResponse<String> response = get("/rooms?backend=be_game&limit=3"
                    + (after == null ? "&after=api-list-" : "&after=" + after));
            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, Object> page = TestJson.object(response.body());
            List<Map<String, Object>> rooms = list(page.get("rooms"));
            sizes.add(rooms.size());
            rooms.forEach(r -> seen.add((String) r.get("room")));
            assertThat(rooms).allSatisfy(r -> assertThat(r.get("server")).isIn("game1", "game2"));
            after = (String) page.get("next");
        } while (after != null && after.startsWith("api-list-"));
        // Rooms of other tests sort after api-list-*: the walk stops at the first page past them.
        assertThat(seen.subList(0, 7)).isEqualTo(placed);
        assertThat(sizes.subList(0, 2)).containsExactly(3, 3);

        Map<String, Object> first = TestJson.object(get("/rooms?backend=be_game").body());
        assertThat(list(first.get("rooms"))).hasSizeLessThanOrEqualTo(AdminRoomApi.DEFAULT_LIMIT);
        assertThat(first).containsEntry("next", null);
        assertThat(TestJson.object(get("/rooms?backend=be_empty").body()).get("rooms")).isEqualTo(List.of());
    }

    @Test
    void listRoomsErrors() throws Exception {
        assertError(get("/rooms"), 400, "parameter backend missing (expected: backend=<name>)");
        assertError(get("/rooms?backend=be_none"), 404, "no such backend: be_none");
        assertError(get("/rooms?backend=be_game&limit=0"), 400, "limit 0 (expected: 1 to 1000)");
        assertError(get("/rooms?backend=be_game&limit=1001"), 400, "limit 1001 (expected: 1 to 1000)");
        assertError(get("/rooms?backend=be_game&limit=ten"), 400, "limit ten (expected: 1 to 1000)");
        assertError(get("/rooms?backend=be_game&after=a%20b"), 400,
                "after has character 0x20 at 1 (expected: [A-Za-z0-9._:-])");
        assertError(get("/rooms?backend=be_game&sort=id"), 400,
                "unknown parameter sort (expected: after, backend, limit)");
        assertError(get("/rooms?backend=be_game&backend=be_game"), 400, "parameter backend given twice (expected: once)");
        assertMethodNotAllowed("/rooms?backend=be_game", "POST", "GET");
    }

    @Test
    void deleteEndsTheRoomAndItsNextJoinPlacesItAnew() throws Exception {
        join("api-del", "p1");

        HttpResponse<String> deleted = AdminHttp.send(HttpRequest.newBuilder(uri("/rooms/be_game/api-del")).DELETE());

        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(TestJson.object(deleted.body())).isEqualTo(
                Map.of("backend", "be_game", "room", "api-del", "released", true));
        assertError(get("/rooms/be_game/api-del"), 404, "no such room: api-del in backend be_game");
        assertError(AdminHttp.send(HttpRequest.newBuilder(uri("/rooms/be_game/api-del")).DELETE()), 404,
                "no such room: api-del in backend be_game");
        assertError(AdminHttp.send(HttpRequest.newBuilder(uri("/rooms/be_none/api-del")).DELETE()), 404,
                "no such backend: be_none");
        assertError(AdminHttp.send(HttpRequest.newBuilder(uri("/rooms/be_game/a+b")).DELETE()), 400,
                "room has character 0x2b at 1 (expected: [A-Za-z0-9._:-])");
        assertThat(decision(join(streams.incrementAndGet(), "api-del", "p2"))).isEqualTo("placed");
    }

    @Test
    void deleteNeedsTheTokenWhenOneIsSetAndReadsDoNot(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("admin.token"), "s3cret\n", StandardCharsets.UTF_8);
        try (Agent tokened = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--admin-token-file", token.toString(), "--servers", "be_game=game1"))) {
            URI room = AdminHttp.uri(tokened, "/rooms/be_game/r1");
            HttpResponse<String> without = AdminHttp.send(HttpRequest.newBuilder(room).DELETE());
            assertThat(without.statusCode()).isEqualTo(401);
            assertThat(without.body()).startsWith("missing Authorization header");
            HttpResponse<String> wrong = AdminHttp.send(HttpRequest.newBuilder(room).header("Authorization", "Bearer nope")
                    .DELETE());
            assertThat(wrong.statusCode()).isEqualTo(401);
            HttpResponse<String> right = AdminHttp.send(HttpRequest.newBuilder(room).header("Authorization", "Bearer s3cret")
                    .DELETE());
            assertError(right, 404, "no such room: r1 in backend be_game"); // past the token: the room is unknown
            // Reads stay open, so the status page works without the token.
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(tokened, "/status.json")).GET()).statusCode()).isEqualTo(200);
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(tokened, "/")).GET()).statusCode()).isEqualTo(200);
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(tokened, "/servers?backend=be_game")).GET()).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void serversShowStateCapacityLiveSeatsAndRooms() throws Exception {
        Map<String, Long> roomsBefore = new HashMap<>();
        Map<String, Long> seatsBefore = new HashMap<>();
        for (Map<String, Object> server : servers("be_other")) {
            roomsBefore.put((String) server.get("name"), (Long) server.get("rooms"));
            seatsBefore.put((String) server.get("name"), (Long) server.get("seatsHeld"));
        }
        assertThat(roomsBefore).containsOnlyKeys("x1");
        joinOther("api-srv-1");
        joinOther("api-srv-2");

        HttpResponse<String> response = get("/servers?backend=be_other");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> backend = TestJson.object(response.body());
        assertThat(backend).containsEntry("backend", "be_other");
        assertThat(list(backend.get("servers"))).singleElement().satisfies(x1 -> assertThat(x1)
                .containsEntry("name", "x1").containsEntry("state", "UP").containsEntry("capacity", 100L)
                .containsEntry("liveConnections", 0L)
                .containsEntry("seatsHeld", seatsBefore.get("x1") + 8)
                .containsEntry("rooms", roomsBefore.get("x1") + 2));
        assertThat((Long) backend.get("rooms")).isEqualTo(roomsBefore.get("x1") + 2);
    }

    @Test
    void serversErrors() throws Exception {
        assertError(get("/servers"), 400, "parameter backend missing (expected: backend=<name>)");
        assertError(get("/servers?backend=be_none"), 404, "no such backend: be_none");
        assertError(get("/servers?backend=b%2Fc"), 400, "backend has character 0x2f at 1 (expected: [A-Za-z0-9._:-])");
        assertError(get("/servers?backend=be_game&limit=3"), 400, "unknown parameter limit (expected: backend)");
        assertError(AdminHttp.send(HttpRequest.newBuilder(uri("/servers?backend=be_game")).DELETE()), 405,
                "method DELETE (expected: GET)");
    }

    @Test
    void statusJsonAndThePage() throws Exception {
        join("api-status", "p1");

        HttpResponse<String> response = get("/status.json");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> status = TestJson.object(response.body());
        assertThat(object(status.get("store"))).containsEntry("kind", "memory").containsEntry("ok", true)
                .containsEntry("problem", null);
        assertThat(object(status.get("inventory"))).containsEntry("ok", true).containsEntry("problem", null);
        assertThat(list(status.get("backends"))).extracting(b -> b.get("backend"))
                .containsExactly("be_empty", "be_game", "be_other");
        assertThat(list(status.get("decisions"))).first().satisfies(d -> assertThat(d)
                .containsEntry("room", "api-status").containsEntry("decision", "placed"));
        assertThat((Long) status.get("decisionsMade")).isPositive();

        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.body()).startsWith("<!DOCTYPE html>").contains("fetch(\"status.json\"")
                .doesNotContain("http://", "https://"); // no external asset
    }

    private static List<Map<String, Object>> servers(String backend) throws Exception {
        return list(TestJson.object(get("/servers?backend=" + backend).body()).get("servers"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }

    // A 405 that names the methods the path takes, in its message and its Allow header.
    private static void assertMethodNotAllowed(String path, String method, String allowed) throws Exception {
        HttpResponse<String> response = AdminHttp.send(HttpRequest.newBuilder(uri(path))
                .method(method, HttpRequest.BodyPublishers.noBody()));
        assertError(response, 405, "method " + method + " (expected: " + allowed + ")");
        assertThat(response.headers().firstValue("Allow")).contains(allowed);
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(TestJson.object(response.body())).isEqualTo(Map.of("error", message));
    }

    /** Joins {@code room} of be_game as {@code player}; the server it was sent to. */
    private static String join(String room, String player) throws Exception {
        Ack ack = join(streams.incrementAndGet(), room, player);
        return var(ack, "server");
    }

    private static void joinOther(String room) throws Exception {
        long stream = streams.incrementAndGet();
        client.send(new Notify(stream, 1, List.of(new SpopMessage("room-join", List.of(
                new Arg("room", new TypedData.Str(room)), new Arg("backend", new TypedData.Str("be_other")))))));
        assertThat(var((Ack) client.next(), "decision")).isEqualTo("placed");
    }

    private static synchronized Ack join(long stream, String room, String player) throws Exception {
        client.send(HaproxySide.roomJoin(stream, "be_game", room, player));
        return (Ack) client.next();
    }

    private static String decision(Ack ack) {
        return var(ack, "decision");
    }

    private static String var(Ack ack, String name) {
        return HaproxySide.variable(ack, name).orElseThrow(() -> new AssertionError("no " + name + " in " + ack));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return AdminHttp.send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private static URI uri(String path) {
        return AdminHttp.uri(agent, path);
    }

}
