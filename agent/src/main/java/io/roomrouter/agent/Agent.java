package io.roomrouter.agent;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.roomrouter.haproxy.RuntimeApiAddress;
import io.roomrouter.haproxy.RuntimeApiClient;
import io.roomrouter.haproxy.RuntimeApiInventory;
import io.roomrouter.haproxy.RuntimeApiStickTable;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StaticInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.store.MemoryRoomStore;
import io.roomrouter.store.RedisRoomStore;
import io.roomrouter.store.RoomBounds;
import io.roomrouter.store.RedisSettings;
import io.roomrouter.store.RoomLifetimes;
import io.roomrouter.store.RoomStore;
import io.roomrouter.store.TableReadBack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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

    /**
     * The longest a join of a room the agent does not know waits for HAProxy's stick table before the room is placed
     * as if the table did not have it. A lookup takes about 0.1 ms alone, up to 10 ms in a burst on a busy 2-core
     * machine (see the README); this leaves most of SPOE's {@code timeout processing} (100 ms) to the decision
     * itself, and to Redis ({@code --redis-timeout} 50 ms).
     */
    static final Duration TABLE_LOOKUP_BOUND = Duration.ofMillis(20);
    /** The runtime API client's own timeouts for lookups: a thread stuck on a silent HAProxy is freed by then. */
    private static final Duration TABLE_CLIENT_TIMEOUT = Duration.ofMillis(500);
    /** The longest the start-up rebuild from the stick tables may take, over every table. */
    static final Duration REBUILD_BUDGET = Duration.ofSeconds(20);
    /** Heap set aside per rebuilt room (a room takes about 200 B): the rebuild stops before it fills the heap. */
    private static final long REBUILD_HEAP_PER_ROOM = 1024;

    private final ServerInventory inventory;
    private final EventLoopGroup loops;
    private final StickTable table;
    private final RoomStore store;
    private final ScheduledExecutorService housekeeping;
    private final SpopServer server;
    private final Optional<AdminServer> admin;
    private final DecisionLog decisions;

    private Agent(
            ServerInventory inventory,
            EventLoopGroup loops,
            StickTable table,
            RoomStore store,
            ScheduledExecutorService housekeeping,
            SpopServer server,
            Optional<AdminServer> admin,
            DecisionLog decisions) {
        this.inventory = inventory;
        this.loops = loops;
        this.table = table;
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
        // Read first: a token file that cannot be used stops the start before anything is opened.
        Optional<AdminToken> adminToken = options.adminTokenFile().map(AdminToken::read);
        ServerInventory inventory = inventory(options);
        StickTable table = stickTable(options, inventory);
        RoomLifetimes lifetimes = new RoomLifetimes(options.reservationWindow(), options.stragglerHold(),
                options.roomIdleTimeout());
        // The SPOP event loops, made before the store: the Redis store does its I/O on one of them (see RedisLinks).
        EventLoopGroup loops = SpopServer.newWorkers(options.ioThreads());
        AgentMetrics metrics = new AgentMetrics();
        RoomStore store;
        try {
            store = store(options, lifetimes, inventory, table, loops.next(), metrics);
        } catch (RuntimeException e) {
            closeTable(table);
            loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            inventory.close();
            throw e;
        }
        if (table instanceof RuntimeApiStickTable tables) {
            readBack(store, tables, inventory, options.roomSize());
        }
        ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "room-router-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        if (store instanceof MemoryRoomStore memory) {
            housekeeping.scheduleWithFixedDelay(memory::expireIdleRooms, 1, 1, TimeUnit.SECONDS);
        } else if (table instanceof RuntimeApiStickTable tables) {
            // The memory store asks the table for every room it does not know; a shared store does not (most rooms it
            // has not seen, the other agents placed): after a pause it reads the tables back once, as at start-up.
            PauseWatch pauses = new PauseWatch(System::nanoTime, PauseWatch.THRESHOLD,
                    () -> readBack(store, tables, inventory, options.roomSize()));
            long tick = PauseWatch.TICK.toMillis();
            housekeeping.scheduleWithFixedDelay(pauses::tick, tick, tick, TimeUnit.MILLISECONDS);
        }
        if (options.warmupJoins() > 0) {
            warmUp(store, options, loops);
        }
        DecisionLog decisions = new DecisionLog();
        metrics.watch(store, inventory, decisions);
        RoomJoinHandler joins = new RoomJoinHandler(inventory, store, decisions, metrics.decisions(),
                options.roomSize(), options.maxRoomSize());
        SpopServer server;
        try {
            SpopServer.Limits limits = new SpopServer.Limits(options.maxFrameSize(), options.helloTimeout(),
                    options.idleTimeout(), options.maxConnections());
            server = SpopServer.start(options.listen(), limits, loops, joins, metrics.spop());
        } catch (Exception e) {
            abandon(decisions, housekeeping, store, loops, table, inventory);
            throw e;
        }
        Optional<AdminServer> admin = Optional.empty();
        if (options.admin().isPresent()) {
            HostAndPort adminListen = options.admin().get();
            AdminAccess access = new AdminAccess(adminToken,
                    adminListen.toSocketAddress().getAddress().isLoopbackAddress());
            try {
                admin = Optional.of(AdminServer.start(adminListen, access, store, inventory, table, decisions.recent(),
                        metrics));
            } catch (Exception e) {
                server.close();
                abandon(decisions, housekeeping, store, loops, table, inventory);
                throw e;
            }
        }
        log.info("room-router ready: SPOP on {}, {} store, inventory {}",
                server.localAddress(), store.kind(), inventory.describe());
        return new Agent(inventory, loops, table, store, housekeeping, server, admin, decisions);
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

    // HAProxy's stick tables, where the runtime API is known: a room the agent does not know is looked up there
    // before it is placed, and a restarted agent reads its rooms back from them.
    private static StickTable stickTable(AgentOptions options, ServerInventory inventory) {
        if (!(inventory instanceof RuntimeApiInventory runtime) || options.haproxyApi().isEmpty()) {
            return StickTable.NONE;
        }
        RuntimeApiClient client =
                new RuntimeApiClient(RuntimeApiAddress.parse(options.haproxyApi().get()), TABLE_CLIENT_TIMEOUT);
        return new RuntimeApiStickTable(client, runtime::serverName, options.roomIdleTimeout(), TABLE_LOOKUP_BOUND);
    }

    // A start that failed after the store was made: what it made so far closes, in reverse order.
    private static void abandon(DecisionLog decisions, ScheduledExecutorService housekeeping, RoomStore store,
            EventLoopGroup loops, StickTable table, ServerInventory inventory) {
        decisions.close();
        housekeeping.shutdownNow();
        store.close();
        loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        closeTable(table);
        inventory.close();
    }

    private static void closeTable(StickTable table) {
        if (table instanceof RuntimeApiStickTable tables) {
            tables.close();
        }
    }

    /**
     * A restarted agent knows its rooms again before it answers a join: each backend's stick table lists where
     * HAProxy sent every room and when, including the rooms that began while no agent answered (see
     * {@link RoomStore#readBack}). Bounded in time ({@link #REBUILD_BUDGET}) and in rooms (by the heap): with the
     * memory store, rooms not read back are found in the table at their next join, one lookup each. Without the
     * runtime API the agent starts anyway.
     */
    private static void readBack(RoomStore store, RuntimeApiStickTable tables, ServerInventory inventory,
            int roomSize) {
        long startNanos = System.nanoTime();
        List<String> names;
        try {
            names = tables.tables();
        } catch (IOException e) {
            log.warn("rooms not read back from HAProxy's stick tables: {}; starting without them (a room is looked"
                    + " up in its table at its next join)", e.getMessage());
            return;
        }
        long maxRooms = Math.max(1, Runtime.getRuntime().maxMemory() / REBUILD_HEAP_PER_ROOM);
        for (String name : names) {
            Optional<BackendSnapshot> backend = inventory.backend(name);
            if (backend.isEmpty()) {
                log.info("stick table {}: no backend of that name in the inventory ({}); not read", name,
                        inventory.describe());
                continue;
            }
            Duration left = REBUILD_BUDGET.minusNanos(System.nanoTime() - startNanos);
            if (left.isNegative() || left.isZero() || maxRooms <= 0) {
                log.warn("stick table {}: not read, the start-up rebuild's budget ({} s, {} rooms) is spent; its rooms"
                        + " are looked up at their next join", name, REBUILD_BUDGET.toSeconds(), maxRooms);
                continue;
            }
            TableReadBack rebuild = store.readBack(backend.get(), roomSize);
            RuntimeApiStickTable.Rebuilt read;
            try {
                read = tables.rebuild(name, rebuild, left, maxRooms);
            } catch (IOException e) {
                int kept = rebuild.finish();
                log.warn("stick table {}: read failed after {} rooms: {}; starting with those (the others are looked"
                        + " up at their next join)", name, kept, e.getMessage());
                continue;
            }
            int added = rebuild.finish();
            maxRooms -= read.entries();
            log.info("stick table {}: {} rooms read back in {} ms ({} entries; {} skipped: server gone, DOWN or MAINT,"
                    + " or idle past --room-idle-timeout); {} new to the {} store", name,
                    read.entries() - read.skipped(), read.millis(), read.entries(), read.skipped(), added, store.kind());
            if (!read.complete()) {
                log.warn("stick table {}: read stopped after {} entries (budget {} s, at most {} rooms for this heap);"
                        + " the rest are looked up at their next join", name, read.entries(),
                        REBUILD_BUDGET.toSeconds(), Math.max(1, Runtime.getRuntime().maxMemory()
                                / REBUILD_HEAP_PER_ROOM));
            }
        }
    }

    private static RoomStore store(AgentOptions options, RoomLifetimes lifetimes, ServerInventory inventory,
            StickTable table, EventLoop redisLoop, AgentMetrics metrics) {
        if (options.redis().isEmpty()) {
            return new MemoryRoomStore(lifetimes, bounds(options), System::currentTimeMillis, table);
        }
        Optional<String> password = options.redisPasswordFile().map(RedisFiles::password)
                .or(() -> options.redisPasswordVariable().map(RedisPasswordVariable::password));
        options.redisCaFile().ifPresent(RedisFiles::checkCa);
        RedisSettings settings;
        try {
            settings = new RedisSettings(options.redis().get(), options.redisPrefix(), options.redisTimeout(),
                    password, options.redisCaFile());
        } catch (IllegalArgumentException e) {
            throw new OptionsException("--redis: " + e.getMessage());
        }
        // The agent id names this agent's entry in the shared live-load hash: stable across restarts of the same
        // sidecar, distinct between sidecars. Port 0 (any free port, which is bound after the store starts) names no
        // sidecar: two such agents on one host would overwrite each other's load, so each gets an id of its own.
        int port = options.listen().port();
        String agentId = hostName() + ":" + (port == 0 ? "0-" + UUID.randomUUID() : Integer.toString(port));
        return RedisRoomStore.start(settings, lifetimes, bounds(options), inventory, agentId, Clock.systemUTC(),
                redisLoop, metrics.redis(), table);
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
        closeTable(table);
        inventory.close();
        log.info("room-router stopped");
    }
}
