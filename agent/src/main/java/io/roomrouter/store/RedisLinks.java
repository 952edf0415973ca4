package io.roomrouter.store;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Lettuce client and its two connections (commands, pub/sub), standalone, Sentinel or Cluster alike.
 * Commands are rejected at once while disconnected, so a join falls back without waiting; Lettuce reconnects
 * on its own.
 *
 * <p>Lettuce does its I/O on {@code loop}, an event loop the caller owns (the agent passes one of its SPOP event
 * loops), not on event loops of its own: a join read on that loop is sent to Redis, answered, and its ACK written
 * without leaving the thread. On a shared CPU every hand-over between threads is a wake-up that waits for a core
 * (Lettuce's own I/O threads made each join through Redis wait for two), and the waker holds the selector's
 * wake-up lock meanwhile, which the woken loop then waits for (JFR showed SPOP loops blocked 12 to 28 ms there).
 */
record RedisLinks(
        ClientResources resources,
        AbstractRedisClient client,
        StatefulConnection<String, String> connection,
        RedisClusterAsyncCommands<String, String> commands,
        StatefulRedisPubSubConnection<String, String> pubSub) {

    /** The longest Lettuce waits for a reply before failing a command (see {@link #connect}). */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /**
     * By default Lettuce 7 re-reads a Cluster's topology only on its adaptive triggers (a redirection, repeated
     * reconnects...), at most once in 30 s, and never periodically: after a failover it could go on reconnecting to
     * the dead primary for that long, every join of a new room refused meanwhile. Refreshed every second, and on a
     * trigger at most a second after the last refresh, joins reach the new owner of the backend's slot within a
     * second or two of a failover or a slot migration.
     */
    private static final ClusterTopologyRefreshOptions TOPOLOGY_REFRESH = ClusterTopologyRefreshOptions.builder()
            .enablePeriodicRefresh(Duration.ofSeconds(1))
            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
            .build();

    /** Connects, blocking the calling thread: call at start-up only, never on {@code loop}. */
    static RedisLinks connect(RedisSettings settings, EventLoop loop) {
        ClientResources resources = ClientResources.builder()
                .eventLoopGroupProvider(new OnLoop(loop))
                // Lettuce's computation threads run no join: events, reconnection; one is plenty.
                .computationThreadPoolSize(1)
                // Back to Redis within a second of its return, not after Lettuce's default 30 s back-off.
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        // No command is replayed after a reconnect: its join was answered without Redis long ago. The caller sees
        // the failure instead.
        ClientOptions options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .replayFilter(command -> true)
                // Not the joins' bound (--redis-timeout), which the store keeps itself: a command Redis has received
                // still runs there however late, so its reply is wanted. This only frees what a dead link holds.
                .timeoutOptions(TimeoutOptions.builder().fixedTimeout(COMMAND_TIMEOUT).build())
                // A peer that vanished without a FIN or RST (host down, link cut) is found by keepalive probes:
                // 1 s idle, then 3 probes 1 s apart, instead of the kernel's default two hours.
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(CONNECT_TIMEOUT)
                        .keepAlive(SocketOptions.KeepAliveOptions.builder()
                                .enable()
                                .idle(Duration.ofSeconds(1))
                                .interval(Duration.ofSeconds(1))
                                .count(3)
                                .build())
                        .build())
                .sslOptions(sslOptions(settings))
                .build();
        AbstractRedisClient created = null;
        try {
            if (settings.cluster()) {
                List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(settings.clusterUri());
                seeds.forEach(seed -> authenticate(seed, settings));
                RedisClusterClient client = RedisClusterClient.create(resources, seeds);
                created = client;
                client.setOptions(
                        ClusterClientOptions.builder(options).topologyRefreshOptions(TOPOLOGY_REFRESH).build());
                StatefulRedisClusterConnection<String, String> connection = client.connect(StringCodec.UTF8);
                return new RedisLinks(
                        resources, client, connection, connection.async(), client.connectPubSub(StringCodec.UTF8));
            }
            RedisURI uri = RedisURI.create(settings.lettuceUri());
            authenticate(uri, settings);
            RedisClient client = RedisClient.create(resources, uri);
            created = client;
            client.setOptions(options);
            StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8);
            return new RedisLinks(
                    resources, client, connection, connection.async(), client.connectPubSub(StringCodec.UTF8));
        } catch (RuntimeException e) {
            if (created != null) {
                created.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    // The settings' own password (read from a file), for their user or the default one.
    private static void authenticate(RedisURI uri, RedisSettings settings) {
        settings.password().ifPresent(password -> settings.user().ifPresentOrElse(
                user -> uri.setAuthentication(user, password), () -> uri.setAuthentication(password)));
    }

    // The JVM's trust store, or only the certificates of the settings' CA file.
    private static SslOptions sslOptions(RedisSettings settings) {
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        settings.trustedCa().ifPresent(ca -> ssl.trustManager(ca.toFile()));
        return ssl.build();
    }

    /**
     * Hands Lettuce the caller's event loop for every transport it asks for (NIO, as Lettuce picks when no native
     * transport is on the class path, which is how the agent ships); releasing or shutting it down is the owner's
     * business, not Lettuce's.
     */
    private record OnLoop(EventLoop loop) implements EventLoopGroupProvider {
        @Override
        @SuppressWarnings("unchecked") // Lettuce only uses the group as an EventLoopGroup (AbstractRedisClient)
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            return (T) loop;
        }

        @Override
        public int threadPoolSize() {
            return 1;
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }

    /** Closes both connections and the client; blocks up to a few seconds. */
    void close() {
        pubSub.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
