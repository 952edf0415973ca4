package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.kit.HaproxyBinary;
import io.roomrouter.kit.LoggedProcess;
import io.roomrouter.kit.RedisProcess;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopMessage.Arg;
import io.roomrouter.spop.TypedData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoint of a running agent: health, releasing a room when its match ends, and how it holds up on a
 * network: bearer token, exact paths, malformed and oversized requests, slow clients, readiness.
 */
class AdminServerIT {
    private static Agent agent;
    private static EventLoopGroup group;

    @BeforeAll
    static void startAgent() throws Exception {
        agent = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--servers", "be_game=game1,game2", "--server-capacity", "20"));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopAgent() {
        agent.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void reportsHealth() throws Exception {
        HttpResponse<String> health = AdminHttp.send(HttpRequest.newBuilder(uri("/health")).GET());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).startsWith("ok store=memory").contains("backends=1");
        assertThat(AdminHttp.send(HttpRequest.newBuilder(uri("/health/ready")).GET()).body()).isEqualTo(health.body());
        HttpResponse<String> live = AdminHttp.send(HttpRequest.newBuilder(uri("/health/live")).GET());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("alive\n");
    }

    @Test
    void answersExactPathsOnly() throws Exception {
        for (String path : new String[] {"/healthzzz", "/health/", "/health/live/x", "/release/x", "/HEALTH", "/status", "/room"}) {
            HttpResponse<String> response = AdminHttp.send(HttpRequest.newBuilder(uri(path)).GET());
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).startsWith("no such path: ");
        }
        HttpResponse<String> post = AdminHttp.send(HttpRequest.newBuilder(uri("/health"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET");
    }

    @Test
    void refusesBadEscapesAndBodiesWithAReason() throws Exception {
        // Sent raw: java.net.URI refuses a bad escape before it leaves the client.
        String query = raw(admin(), "POST /release?backend=be_game&room=a%zz HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(query).startsWith("HTTP/1.1 400 ").endsWith(
                "\r\n\r\nbad percent-escape '%zz' at offset 1 of 'a%zz' (expected: % and two hex digits)\n");
        String path = raw(admin(), "GET /health%G0 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(path).startsWith("HTTP/1.1 400 ").contains("\r\n\r\npath: bad percent-escape '%G0'");
        assertThat(AdminHttp.send(HttpRequest.newBuilder(uri("/release?backend=be_game&room=a&room=b"))
                .POST(HttpRequest.BodyPublishers.noBody())).body())
                .isEqualTo("parameter room given twice (expected: once)\n");
        assertThat(AdminHttp.send(HttpRequest.newBuilder(uri("/release?backend=be_game&room=a&force=1"))
                .POST(HttpRequest.BodyPublishers.noBody())).body())
                .isEqualTo("unknown parameter force (expected: backend and room)\n");

        HttpResponse<String> body = AdminHttp.send(HttpRequest.newBuilder(uri("/release"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("backend=be_game&room=%")));
        assertThat(body.statusCode()).isEqualTo(400);
        assertThat(body.body()).startsWith("bad percent-escape '%'");
        HttpResponse<String> json = AdminHttp.send(HttpRequest.newBuilder(uri("/release"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"room\":\"r\"}")));
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(json.body()).startsWith("body of type application/json (expected: ");

        String garbage = raw(admin(), "GET /health HTTP/1.1\r\nHost x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage).startsWith("HTTP/1.1 400 ").contains("malformed HTTP request");
    }

    @Test
    void releasesFromAFormBodyToo() throws Exception {
        try (SpopClient client = SpopClient.ready(group, agent.spopAddress())) {
            client.send(join(1, "match-9"));
            assertThat(decision((Ack) client.next())).isEqualTo("placed");

            HttpResponse<String> released = AdminHttp.send(HttpRequest.newBuilder(uri("/release"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("backend=be_game&room=match%2D9")));

            assertThat(released.statusCode()).isEqualTo(200);
            assertThat(released.body()).isEqualTo("released\n");
        }
    }

    @Test
    void refusesRequestsTooLarge() throws Exception {
        String headers = raw(admin(), ("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(headers).startsWith("HTTP/1.1 431 ").endsWith("headers longer than 8192 bytes\n");

        String line = raw(admin(), ("GET /health?" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(line).startsWith("HTTP/1.1 414 ").endsWith("request line longer than 4096 bytes\n");

        // Refused on its Content-Length, before the body is read.
        String declared = raw(admin(), "POST /release HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(declared).startsWith("HTTP/1.1 413 ")
                .endsWith("body of 100000 bytes (expected: at most 4096 bytes)\n");

        // Chunked, so no length up front: refused once past the bound.
        String chunk = "1000\r\n" + "a".repeat(4096) + "\r\n";
        String chunked = raw(admin(), ("POST /release HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunk + chunk + "0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(chunked).startsWith("HTTP/1.1 413 ").contains("(expected: at most 4096 bytes)");
    }

    /** Before: two half-sent requests held both worker threads, and /health never answered. */
    @Test
    void slowClientsCannotHoldTheEndpoint() throws Exception {
        int slow = 50;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < slow; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), admin().getPort());
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                sockets.add(socket);
            }
            long start = System.nanoTime();
            HttpResponse<String> health = AdminHttp.send(HttpRequest.newBuilder(uri("/health"))
                    .timeout(Duration.ofSeconds(2)).GET());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(millis).as("ms for /health with %d half-sent requests open", slow).isLessThan(1000);
            System.out.printf("/health answered in %d ms with %d half-sent requests open%n", millis, slow);

            // Each slow request is answered 408 and closed at the request time-out (5 s), even one that trickles.
            Socket trickling = sockets.get(0);
            long opened = System.nanoTime();
            trickling.setSoTimeout(8000);
            for (int i = 0; i < 3; i++) {
                Thread.sleep(1000);
                trickling.getOutputStream().write('a');
            }
            String answer = new String(trickling.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            assertThat(answer).startsWith("HTTP/1.1 408 ").endsWith("request not received whole within 5000 ms\n");
            assertThat(closedAfter).isLessThan(6000);
            for (Socket socket : sockets.subList(1, slow)) {
                socket.setSoTimeout(2000);
                assertThat(socket.getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII)
                        .startsWith("HTTP/1.1 408 ");
            }
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void withATokenReleaseNeedsItAndReadsDoNot(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("admin.token"), "t0k-3n\n", StandardCharsets.UTF_8);
        try (Agent tokened = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--admin-token-file", token.toString(), "--servers", "be_game=game1,game2"))) {
            URI release = AdminHttp.uri(tokened, "/release?backend=be_game&room=r1");

            HttpResponse<String> none = AdminHttp.send(HttpRequest.newBuilder(release).POST(HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> wrong = AdminHttp.send(HttpRequest.newBuilder(release).header("Authorization", "Bearer t0k-4n")
                    .POST(HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> right = AdminHttp.send(HttpRequest.newBuilder(release).header("Authorization", "Bearer t0k-3n")
                    .POST(HttpRequest.BodyPublishers.noBody()));
            HttpResponse<String> delete = AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(tokened, "/nowhere")).DELETE());

            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).startsWith("missing Authorization header");
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).startsWith("wrong bearer token");
            assertThat(right.statusCode()).isEqualTo(404);
            assertThat(right.body()).isEqualTo("no such room\n");
            assertThat(delete.statusCode()).isEqualTo(401);
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(tokened, "/health")).GET()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void refusesToStartWithAnUnusableTokenFile(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.token"), "\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--admin-token-file", empty.toString(), "--servers", "be_game=game1")))
                .isInstanceOf(OptionsException.class)
                .hasMessage("--admin-token-file: " + empty + " is empty (expected: the admin bearer token)");
        assertThatThrownBy(() -> Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--admin-token-file", dir.resolve("missing").toString(), "--servers", "be_game=game1")))
                .isInstanceOf(OptionsException.class)
                .hasMessageStartingWith("--admin-token-file: cannot read " + dir.resolve("missing"));
    }

    @Test
    void offLoopbackWithoutATokenRefusesStateChanges() throws Exception {
        try (Agent open = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "0.0.0.0:0",
                "--servers", "be_game=game1,game2"))) {
            HttpResponse<String> release = AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(open, "/release?backend=be_game&room=r1"))
                    .POST(HttpRequest.BodyPublishers.noBody()));

            assertThat(release.statusCode()).isEqualTo(403);
            assertThat(release.body()).isEqualTo(
                    "state-changing calls need --admin-token-file when the admin endpoint is not on loopback\n");
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(open, "/health")).GET()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void notReadyWhileRedisIsDownButAlive() throws Exception {
        try (RedisProcess redis = RedisProcess.start(Path.of("target", "redis-logs", "AdminServerIT"));
                Agent shared = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                        "--servers", "be_game=game1,game2", "--redis", redis.uri()))) {
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(shared, "/health/ready")).GET()).statusCode())
                    .isEqualTo(200);

            redis.kill();
            HttpResponse<String> ready = awaitStatus(AdminHttp.uri(shared, "/health/ready"), 503);
            assertThat(ready.body()).startsWith("not ready: redis connection lost ").contains("store=redis");
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(shared, "/health")).GET()).statusCode()).isEqualTo(503);
            assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(shared, "/health/live")).GET()).statusCode()).isEqualTo(200);

            redis.restart();
            assertThat(awaitStatus(AdminHttp.uri(shared, "/health/ready"), 200).body()).startsWith("ok store=redis");
        }
    }

    @Test
    void notReadyWhileTheRuntimeApiIsStale(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("admin.sock");
        Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n",
                "global",
                "  stats socket " + socket + " mode 600 level admin",
                "defaults",
                "  mode http",
                "  timeout connect 1s",
                "  timeout client 30s",
                "  timeout server 30s",
                "backend be_game",
                "  server game1 127.0.0.1:9 maxconn 20",
                ""), StandardCharsets.UTF_8);
        try (LoggedProcess haproxy = LoggedProcess.start("haproxy",
                new ProcessBuilder(HaproxyBinary.configured().command(List.of("-f", cfg.toString(), "-db"))),
                dir.resolve("haproxy.log"))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (Agent agentOfHaproxy = Agent.start(AgentOptions.parse("--listen", "127.0.0.1:0",
                    "--admin", "127.0.0.1:0", "--haproxy-api", "unix:" + socket))) {
                assertThat(awaitStatus(AdminHttp.uri(agentOfHaproxy, "/health/ready"), 200).body())
                        .startsWith("ok store=memory inventory=runtime-api");

                haproxy.kill();
                long killed = System.nanoTime();
                HttpResponse<String> ready = awaitStatus(AdminHttp.uri(agentOfHaproxy, "/health/ready"), 503);
                long staleAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

                assertThat(ready.body()).startsWith("not ready: runtime API unix:" + socket + " last read ");
                // Three refresh intervals (500 ms each), but never less than 3 s.
                assertThat(staleAfter).isBetween(2000L, 6000L);
                assertThat(AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(agentOfHaproxy, "/health/live")).GET()).statusCode())
                        .isEqualTo(200);
            }
        }
    }

    private static HttpResponse<String> awaitStatus(URI uri, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            HttpResponse<String> response = AdminHttp.send(HttpRequest.newBuilder(uri).GET());
            if (response.statusCode() == status || System.nanoTime() > deadline) {
                assertThat(response.statusCode()).as("%s: %s", uri, response.body()).isEqualTo(status);
                return response;
            }
            Thread.sleep(50);
        }
    }

    /** Sends {@code request} as it is and reads the answer until the endpoint closes the connection. */
    private static String raw(InetSocketAddress admin, byte[] request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), admin.getPort())) {
            socket.setSoTimeout(10_000);
            try {
                socket.getOutputStream().write(request);
            } catch (java.io.IOException e) {
                // The endpoint may answer and close before it has read everything (413, 431): read what it said.
            }
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static InetSocketAddress admin() {
        return agent.adminAddress().orElseThrow();
    }

    @Test
    void releaseEndsARoomSoItsNextJoinPlacesItAnew() throws Exception {
        try (SpopClient client = SpopClient.ready(group, agent.spopAddress())) {
            client.send(join(1, "match-7"));
            assertThat(decision((Ack) client.next())).isEqualTo("placed");

            HttpResponse<String> released = AdminHttp.send(release("be_game", "match-7"));
            HttpResponse<String> again = AdminHttp.send(release("be_game", "match-7"));

            assertThat(released.statusCode()).isEqualTo(200);
            assertThat(again.statusCode()).isEqualTo(404);
            client.send(join(3, "match-7"));
            assertThat(decision((Ack) client.next())).isEqualTo("placed");
        }
    }

    @Test
    void refusesBadRequests() throws Exception {
        assertThat(AdminHttp.send(release("be_game", "bad room")).statusCode()).isEqualTo(400);
        assertThat(AdminHttp.send(release("be_game", "bad room")).body()).startsWith("room has character 0x20");
        assertThat(AdminHttp.send(HttpRequest.newBuilder(uri("/release?backend=be_game&room=r1")).GET()).statusCode())
                .isEqualTo(405);
    }

    private static HttpRequest.Builder release(String backend, String room) {
        String query = "backend=" + backend + "&room=" + room.replace(" ", "%20");
        return HttpRequest.newBuilder(uri("/release?" + query)).POST(HttpRequest.BodyPublishers.noBody());
    }

    private static URI uri(String path) {
        return AdminHttp.uri(agent, path);
    }


    private static Notify join(long streamId, String room) {
        return new Notify(streamId, 1, List.of(new SpopMessage("room-join", List.of(
                new Arg("room", new TypedData.Str(room)), new Arg("backend", new TypedData.Str("be_game"))))));
    }

    private static String decision(Ack ack) {
        return HaproxySide.variable(ack, "decision").orElseThrow(() -> new AssertionError("no decision in " + ack));
    }
}
