package io.roomrouter.e2e;

import static io.roomrouter.kit.Stack.GAME_BACKEND;

import io.roomrouter.kit.Stack;
import java.util.List;
import org.junit.jupiter.api.TestInfo;

/** Two proxies and their agents on one Redis, with seats for many rooms of the default size. */
final class TwoProxyStacks {

    private static final List<String> SERVERS = List.of("game1", "game2", "game3");
    /** Seats per game server: 100 rooms of the default 10 players each (the reference configuration's 100 seat 10). */
    private static final int MAXCONN = 1000;

    private TwoProxyStacks() {
    }

    /**
     * The stack on {@code redisUri}, every game server's maxconn raised through the runtime API before the agents
     * start, as an operator would: the agents themselves run at their defaults.
     */
    static Stack onRedis(TestInfo test, String redisUri) throws InterruptedException {
        return Stack.builder(TestLogs.dir(test)).proxies(2).redis(redisUri)
                .beforeAgent(api -> SERVERS.forEach(s -> api.setMaxconn(GAME_BACKEND, s, MAXCONN)))
                .start();
    }
}
