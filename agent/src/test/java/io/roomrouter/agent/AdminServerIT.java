package io.roomrouter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.spop.Ack;
import io.roomrouter.spop.Notify;
import io.roomrouter.spop.SpopAction;
import io.roomrouter.spop.SpopMessage;
import io.roomrouter.spop.SpopMessage.Arg;
import io.roomrouter.spop.TypedData;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin endpoint of a running agent: health, and releasing a room when its match ends. */
class AdminServerIT {
    private static Agent agent;
    private static EventLoopGroup group;
    private static final HttpClient http = HttpClient.newHttpClient();

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
        HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")).GET());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).startsWith("ok store=memory").contains("backends=1");
    }

    @Test
    void releaseEndsARoomSoItsNextJoinPlacesItAnew() throws Exception {
        try (SpopTestClient client = SpopTestClient.ready(group, agent.spopAddress())) {
            client.send(join(1, "match-7"));
            assertThat(decision((Ack) client.next())).isEqualTo("placed");

            HttpResponse<String> released = send(release("be_game", "match-7"));
            HttpResponse<String> again = send(release("be_game", "match-7"));

            assertThat(released.statusCode()).isEqualTo(200);
            assertThat(again.statusCode()).isEqualTo(404);
            client.send(join(3, "match-7"));
            assertThat(decision((Ack) client.next())).isEqualTo("placed");
        }
    }

    @Test
    void refusesBadRequests() throws Exception {
        assertThat(send(release("be_game", "bad room")).statusCode()).isEqualTo(400);
        assertThat(send(release("be_game", "bad room")).body()).startsWith("room has character 0x20");
        assertThat(send(HttpRequest.newBuilder(uri("/release?backend=be_game&room=r1")).GET()).statusCode())
                .isEqualTo(405);
    }

    private static HttpRequest.Builder release(String backend, String room) {
        String query = "backend=" + backend + "&room=" + room.replace(" ", "%20");
        return HttpRequest.newBuilder(uri("/release?" + query)).POST(HttpRequest.BodyPublishers.noBody());
    }

    private static URI uri(String path) {
        InetSocketAddress admin = agent.adminAddress().orElseThrow();
        return URI.create("http://127.0.0.1:" + admin.getPort() + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Notify join(long streamId, String room) {
        return new Notify(streamId, 1, List.of(new SpopMessage("room-join", List.of(
                new Arg("room", new TypedData.Str(room)), new Arg("backend", new TypedData.Str("be_game"))))));
    }

    private static String decision(Ack ack) {
        for (SpopAction action : ack.actions()) {
            if (action instanceof SpopAction.SetVar set && set.name().equals("decision")) {
                return ((TypedData.Str) set.value()).value();
            }
        }
        throw new AssertionError("no decision in " + ack);
    }
}
