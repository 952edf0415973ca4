package io.roomrouter.store;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.roomrouter.kit.RedisProcess;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real redis-server for a test class ({@code @RegisterExtension static final SharedRedis redis = ...}), with a
 * plain client to look at what the stores wrote and to change it behind their backs.
 */
final class SharedRedis implements BeforeAllCallback, AfterAllCallback {
    private RedisProcess server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) throws InterruptedException {
        server = RedisProcess.start(logDir(context.getRequiredTestClass().getSimpleName()));
        client = RedisClient.create(server.uri());
        connection = client.connect();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        connection.close();
        client.shutdown();
        server.close();
    }

    /** Where a test's redis-server writes its log: under the module's target/, kept after the run. */
    static Path logDir(String name) {
        return Path.of("target", "redis-logs", name);
    }

    String uri() {
        return server.uri();
    }

    /** Plain commands on the same server, outside any store. */
    RedisCommands<String, String> raw() {
        return connection.sync();
    }
}
