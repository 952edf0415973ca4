package io.roomrouter.store;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real redis-server for a test class ({@code @RegisterExtension static final SharedRedis redis = ...}), with a
 * plain client to look at what the stores wrote and to change it behind their backs.
 */
final class SharedRedis implements BeforeAllCallback, AfterAllCallback {
    private RedisServerProcess server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServerProcess.start();
        client = RedisClient.create(server.uri());
        connection = client.connect();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        connection.close();
        client.shutdown();
        server.close();
    }

    String uri() {
        return server.uri();
    }

    /** Plain commands on the same server, outside any store. */
    RedisCommands<String, String> raw() {
        return connection.sync();
    }
}
