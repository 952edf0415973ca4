package io.roomrouter.agent;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.roomrouter.haproxy.RuntimeApiAddress;
import io.roomrouter.haproxy.RuntimeApiInventory;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RedisRoomStore;
import io.roomrouter.store.RoomBounds;
import io.roomrouter.store.RedisSettings;
import io.roomrouter.store.RoomLifetimes;
import io.roomrouter.store.RoomStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running agent: inventory, store, SPOP server and, when asked, the admin endpoint; closed in reverse order. */
final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** The longest a graceful stop waits for HAProxy to stop sending joins. */
    static final Duration DRAIN_LIMIT = Duration.ofSeconds(3);

    private final ServerInventory inventory;
    private final EventLoopGroup loops;
    private final RoomStore store;
    private final ScheduledExecutorService housekeeping;
    private final SpopServer server;
    private final Optional<AdminServer> admin;
    private final DecisionLog decisions;

    private Agent(
            ServerInventory inventory,
            EventLoopGroup loops,
            RoomStore store,
            ScheduledExecutorService housekeeping,
            SpopServer server,
            Optional<AdminServer> admin,
            DecisionLog decisions) {
        this.inventory = inventory;
        this.loops = loops;
        this.store = store;
        this.housekeeping = housekeeping;
        this.server = server;
        this.admin = admin;
        this.decisions = decisions;
    }

    static Agent start(AgentOptions options) throws Exception {
        log.info("room-router starting: {}", options.describe());
        if (!options.listen().toSocketAddress().getAddress().isLoopbackAddress()) {
            log.warn("listening on {}, not loopback: anything that reaches it can ask for placements", options.listen());
        }
        ServerInventory inventory = inventory(options);
        RoomLifetimes lifetimes = new RoomLifetimes(options.reservationWindow(), options.roomIdleTimeout());
        // The SPOP event loops, made before the store: the Redis store does its I/O on one of them (see RedisLinks).
        EventLoopGroup loops = SpopServer.newWorkers(options.ioThreads());
        RoomStore store;
        try {
            store = store(options, lifetimes, inventory, loops.next());
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            inventory.close();
            throw e;
        }
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "room-router-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        if (store instanceof MemoryRoomStore memory) {
            housekeeping.scheduleWithFixedDelay(memory::expireIdleRooms, 1, 1, TimeUnit.SECONDS);
        }
        if (options.warmupJoins() > 0) {
            warmUp(store, options, loops);
        }
        DecisionLog decisions = new DecisionLog();
        RoomJoinHandler joins = new RoomJoinHandler(inventory, store, decisions, options.roomSize(),
                options.maxRoomSize());
        SpopServer server;
        try {
            SpopServer.Limits limits = new SpopServer.Limits(options.maxFrameSize(), options.helloTimeout(),
                    options.idleTimeout(), options.maxConnections());
            server = SpopServer.start(options.listen(), limits, loops, joins);
        } catch (Exception e) {
            decisions.close();
            housekeeping.shutdownNow();
            store.close();
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            inventory.close();
            throw e;
        }
        Optional<AdminServer> admin = Optional.empty();
        if (options.admin().isPresent()) {
            admin = Optional.of(AdminServer.start(options.admin().get(), store, inventory));
        }
        log.info("room-router ready: SPOP on {}, {} store, inventory {}",
                server.localAddress(), store.kind(), inventory.describe());
        return new Agent(inventory, loops, store, housekeeping, server, admin, decisions);
    }

    // Before the SPOP port opens, so that HAProxy's first players find the decision path compiled (see Warmup).
    // Interrupted, it keeps the interrupt: the SPOP server's start then fails, and start() closes what it opened.
    private static void warmUp(RoomStore store, AgentOptions options, EventLoopGroup loops) {
        Warmup.Result result;
        try {
            result = Warmup.run(store, options.warmupJoins(), options.roomSize(), options.maxFrameSize(),
                    Warmup.BUDGET, loops);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            log.warn("warm-up failed; the first joins will be slow: {}", e.toString());
            return;
        }
        log.info("warm-up: {} of {} joins answered through the decision path in {} ms {}; {} of {} rooms released",
                result.acks(), result.joins(), result.millis(), result.decisions(), result.released(), result.rooms());
        result.problem().ifPresent(problem -> log.warn("warm-up: {}", problem));
    }

    private static RoomStore store(AgentOptions options, RoomLifetimes lifetimes, ServerInventory inventory,
            EventLoop redisLoop) {
        if (options.redis().isEmpty()) {
            return new MemoryRoomStore(lifetimes, bounds(options));
        }
        RedisSettings settings;
        try {
            settings = new RedisSettings(options.redis().get(), options.redisPrefix(), options.redisTimeout());
        } catch (IllegalArgumentException e) {
            throw new OptionsException("--redis: " + e.getMessage());
        }
        // The agent id names this agent's entry in the shared live-load hash: stable across restarts of the same
        // sidecar, distinct between sidecars.
        String agentId = hostName() + ":" + options.listen().port();
        return RedisRoomStore.start(settings, lifetimes, bounds(options), inventory, agentId, Clock.systemUTC(),
                redisLoop);
    }

    private static RoomBounds bounds(AgentOptions options) {
        return new RoomBounds(options.maxPendingRoomsPerClient(), options.maxRooms());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static ServerInventory inventory(AgentOptions options) {
        if (options.haproxyApi().isPresent()) {
            RuntimeApiAddress address;
            try {
                address = RuntimeApiAddress.parse(options.haproxyApi().get());
            } catch (IllegalArgumentException e) {
                throw new OptionsException("--haproxy-api: " + e.getMessage());
            }
            RuntimeApiInventory inventory =
                    new RuntimeApiInventory(address, options.serverCapacity(), options.refreshInterval());
            // When HAProxy does not answer yet, start() says so and the inventory retries in the background; until
            // then its backends are unknown and their joins fall back to HAProxy's hashing.
            inventory.start();
            return inventory;
        }
        try {
            return StaticInventory.parse(options.servers(), options.serverCapacity());
        } catch (IllegalArgumentException e) {
            throw new OptionsException("--servers: " + e.getMessage());
        }
    }

    InetSocketAddress spopAddress() {
        return server.localAddress();
    }

    Optional<InetSocketAddress> adminAddress() {
        return admin.map(AdminServer::address);
    }

    /**
     * The graceful stop, on SIGTERM: HAProxy is told to stop sending joins (its health checks of the agent fail,
     * see {@link SpopDrain}) while every join that still comes is answered; then the port closes, each connection
     * ends once its pending joins are answered, the decision log is flushed and everything else closes. Rooms
     * meanwhile follow HAProxy's stick table. Takes about a second behind the reference configuration, at most
     * {@link #DRAIN_LIMIT} plus {@link SpopServer#CLOSE_WAIT}.
     */
    void stop() {
        log.info("room-router stopping: refusing HAProxy's health checks until it stops sending joins (at most {} ms)",
                DRAIN_LIMIT.toMillis());
        try {
            SpopDrain.Result drained = server.drain(DRAIN_LIMIT);
            log.info("drained in {} ms ({}); closing {} SPOP connections", drained.millis(), drained.why(),
                    server.openConnections());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        admin.ifPresent(AdminServer::close);
        server.close();
        decisions.close(); // after the server: the last decisions are written
        housekeeping.shutdownNow();
        store.close();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly(); // after the store: its I/O ran here
        inventory.close();
        log.info("room-router stopped");
    }
}
