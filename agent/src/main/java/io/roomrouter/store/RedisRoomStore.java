package io.roomrouter.store;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.haproxy.StickTable;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.Reasons;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import io.roomrouter.placement.TableHint;
import io.roomrouter.store.RedisRoomCache.KnownRoom;
import io.roomrouter.store.RedisRoomCache.RoomId;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room placement shared by every agent through Redis: an atomic script step decides and reserves first joins, those
 * of one backend that arrive while earlier steps are under way together ({@link RedisJoinBatcher}); live load is the
 * sum of what every agent publishes ({@link RedisLoadPublisher}); a local cache answers joins to known rooms
 * ({@link RedisRoomCache}). This class ties them together and answers joins.
 *
 * <p>Threads. {@link #join} and {@link #release} run on the caller's thread (a Netty event loop) only to read
 * the cache and queue or send a command; they never block. Lettuce does its I/O on one event loop given at start
 * (the agent gives one of its SPOP event loops), and the joins' time bounds run there too: a join's stage completes
 * on that loop, whether Redis answered or its bound passed, so that a join read on it is answered without a
 * hand-over between threads. The store's own {@code rr-redis} thread publishes this agent's load every
 * {@link #PUBLISH_INTERVAL}, confirms arrivals, forgets ended rooms and reconciles after an interruption. Pub/sub
 * invalidations arrive on the Redis loop as well.
 *
 * <p>When Redis cannot answer a join in time (slow, silent, failing, or the connection lost), the join is
 * answered without it, within {@code --redis-timeout}: a room this agent knows keeps its server; a room Redis has
 * not placed gets {@link Decision#RETRY} and no server, since any server named without Redis may be another than
 * the one Redis gives the room, through this agent's queued request or another agent's, and the room would split.
 * Once Redis is found silent or disconnected ({@link RedisWatch}) such joins are answered at once and nothing more
 * is queued for it. When it answers again, every room the agent knows is offered to it ({@link RedisReconciliations}):
 * Redis may have lost them.
 */
public final class RedisRoomStore implements RoomStore {
    /** How often each agent publishes its HAProxy's load. */
    static final Duration PUBLISH_INTERVAL = Duration.ofMillis(200);
    /** The longest a cached answer stands without Redis confirming it, in case an invalidation was lost. */
    static final Duration CACHE_TTL = Duration.ofSeconds(1);
    /**
     * Batch steps under way at once per backend: while they run, joins queue up and go out together in the next.
     */
    static final int STEPS_IN_FLIGHT = 2;
    /**
     * The longest a touch (a join answered from the cache) waits to go out with other entries: nobody waits for its
     * answer, and its effects (the room kept alive, the arrival counted, the cached answer confirmed) are measured in
     * seconds. At 150 joins a second, most of them to known rooms, a step per touch cost each join a Redis round trip.
     */
    static final Duration TOUCH_DELAY = Duration.ofMillis(50);
    /** The most joins and touches in one step: bounds the work of one atomic step, hence what waits behind it. */
    static final int BATCH_ENTRIES = 128;
    /**
     * The most first joins waiting for a step, per backend: about what Redis runs in a few tens of milliseconds
     * (a step of 128 takes 1 to 2 ms), so that a join let in can still be answered within its bound. Past it,
     * joins are answered at once without Redis; a burst that size is far past what players make.
     */
    static final int QUEUED_JOINS = 16 * BATCH_ENTRIES;

    private static final Logger log = LoggerFactory.getLogger(RedisRoomStore.class);

    private final RedisSettings settings;
    private final RoomLifetimes lifetimes;
    private final RoomBounds bounds;
    private final PendingClients pendingClients;
    private final RoomLimitLog limitLog = new RoomLimitLog();
    private final Clock clock;
    // Monotonic time of the cache, the batchers and the log lines' durations: System::nanoTime but in
    // tests, which move it forward instead of sleeping.
    private final LongSupplier nanoTime;
    private final RedisLinks links;
    private final RedisScript script;
    private final RedisLayout layout;
    private final RedisWatch watch;
    private final RedisCalls calls;
    private final RedisLoadPublisher publisher;
    private final RedisRoomCache cache;
    private final RedisReconciliations reconciliations;
    private final RedisRoomQueries queries;
    private final ScheduledThreadPoolExecutor timer;
    // Lettuce's I/O and the joins' time bounds; shut down by close() only when the store made it itself.
    private final EventLoop loop;
    private final EventLoopGroup ownLoop;
    private final Map<String, RedisJoinBatcher> batchers = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong answeredWithoutRedis = new AtomicLong();
    // Since the start, for metrics: answeredWithoutRedis is reset by each reconciliation's log line.
    private final AtomicLong degradedAnswers = new AtomicLong();
    private final StickTable table;
    private final FirstJoin.Shared firstJoins;

    private RedisRoomStore(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock, LongSupplier nanoTime, RedisLinks links,
            EventLoop loop, EventLoopGroup ownLoop, RedisObserver observer, StickTable table) {
        this.nanoTime = nanoTime;
        this.table = table;
        this.loop = loop;
        this.ownLoop = ownLoop;
        this.settings = settings;
        this.lifetimes = lifetimes;
        this.bounds = bounds;
        this.pendingClients = new PendingClients(bounds.maxPendingPerClient(), lifetimes.reservationWindow().toMillis());
        this.clock = clock;
        this.links = links;
        this.script = new RedisScript(links.commands());
        this.layout = new RedisLayout(settings.prefix());
        // Silence is real time: requests go out on real timers (the load publication) and come back over a real
        // socket, so a test's clock moved forward while one is in flight must not make Redis look silent.
        this.watch = new RedisWatch(System::nanoTime);
        this.calls = new RedisCalls(script, watch, observer);
        this.publisher = new RedisLoadPublisher(inventory, agentId, clock, lifetimes, layout, calls, pendingClients,
                settings.redactedUri(), nanoTime);
        this.cache = new RedisRoomCache(lifetimes, CACHE_TTL, publisher, nanoTime);
        this.reconciliations = new RedisReconciliations(cache, watch, calls, layout, lifetimes, clock,
                settings.redactedUri(), () -> answeredWithoutRedis.getAndSet(0));
        this.queries = new RedisRoomQueries(links.commands(), layout, lifetimes, clock::millis);
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "rr-redis");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.firstJoins = new FirstJoin.Shared(cache, pendingClients, bounds, limitLog, clock, settings.timeout(),
                this::placeFromTable, this::withoutRedis);
    }

    /**
     * Connects to Redis, loads the script, subscribes to room events, publishes this agent's load and goes on
     * publishing it.
     * Blocks while connecting: call at start-up, not on an event loop. {@code agentId} names this agent in the
     * shared load (stable for the process, e.g. {@code host:port}); {@code clock} dates joins and heartbeats.
     *
     * @throws io.lettuce.core.RedisException when Redis cannot be reached now
     */
    public static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, ServerInventory inventory,
            String agentId, Clock clock) {
        return start(settings, lifetimes, RoomBounds.NONE, inventory, agentId, clock);
    }

    /**
     * As {@link #start(RedisSettings, RoomLifetimes, ServerInventory, String, Clock)}, with bounds on new rooms. Where
     * each bound lives: {@code maxRooms} in the script, which counts the backend's rooms in Redis (the shared memory
     * it protects) atomically with placing; {@code maxPendingPerClient} in this agent, which sees every join of a
     * client that connects through its HAProxy and costs Redis nothing per join, while the script refuses only what
     * is new (the agent cannot know whether another agent opened the room).
     */
    public static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock) {
        return start(settings, lifetimes, bounds, inventory, agentId, clock, System::nanoTime);
    }

    /**
     * As {@link #start(RedisSettings, RoomLifetimes, ServerInventory, String, Clock)}, with the monotonic time the
     * store reads ({@code System::nanoTime} otherwise): a test moves it forward instead of sleeping.
     */
    static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, ServerInventory inventory,
            String agentId, Clock clock, LongSupplier nanoTime) {
        return start(settings, lifetimes, RoomBounds.NONE, inventory, agentId, clock, nanoTime);
    }

    private static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock, LongSupplier nanoTime) {
        EventLoopGroup own = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            return start(settings, lifetimes, bounds, inventory, agentId, clock, nanoTime, own.next(), own,
                    RedisObserver.NONE, StickTable.NONE);
        } catch (RuntimeException e) {
            own.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * As {@link #start(RedisSettings, RoomLifetimes, RoomBounds, ServerInventory, String, Clock)}, with Lettuce's I/O
     * and the joins' time bounds on {@code loop}, which the caller owns and shuts down after {@link #close}: the agent
     * gives one of its SPOP event loops, so that the joins read there never leave it.
     */
    public static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock, EventLoop loop) {
        return start(settings, lifetimes, bounds, inventory, agentId, clock, System::nanoTime, loop, null,
                RedisObserver.NONE, StickTable.NONE);
    }

    /**
     * As {@link #start(RedisSettings, RoomLifetimes, RoomBounds, ServerInventory, String, Clock, EventLoop)}, with
     * {@code observer} hearing each script call end (the agent's metrics), and {@code table} asked where a room
     * lives when Redis does not have it and HAProxy said its stick table does (a room that began through a proxy
     * whose agent was away, or that Redis lost).
     */
    public static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock, EventLoop loop, RedisObserver observer,
            StickTable table) {
        return start(settings, lifetimes, bounds, inventory, agentId, clock, System::nanoTime, loop, null, observer,
                table);
    }

    private static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, RoomBounds bounds,
            ServerInventory inventory, String agentId, Clock clock, LongSupplier nanoTime, EventLoop loop,
            EventLoopGroup ownLoop, RedisObserver observer, StickTable table) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(bounds, "bounds");
        Objects.requireNonNull(lifetimes, "lifetimes");
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(nanoTime, "nanoTime");
        if (agentId.isEmpty() || agentId.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("agentId: '" + agentId + "' (expected: non-empty, no spaces)");
        }
        RedisLinks links = RedisLinks.connect(settings, loop);
        RedisRoomStore store;
        try {
            store = new RedisRoomStore(settings, lifetimes, bounds, inventory, agentId, clock, nanoTime, links, loop,
                    ownLoop, observer, table);
            store.begin();
        } catch (RuntimeException e) {
            links.close();
            throw e;
        }
        log.info("room store: redis {} prefix {} timeout {} ms, agent {}", settings.redactedUri(), settings.prefix(),
                settings.timeout().toMillis(), agentId);
        return store;
    }

    private void begin() {
        try {
            script.load().get(10, TimeUnit.SECONDS);
            links.pubSub().addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    cache.onEvent(message);
                }
            });
            links.pubSub().async().subscribe(layout.channel()).get(10, TimeUnit.SECONDS);
            // Before the first join: a join weighs the live load Redis holds, and an agent alone on Redis (or the
            // first after all stopped) whose load was not there yet placed rooms as if its servers were empty.
            publisher.publishNow().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the redis room store", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("redis " + settings.redactedUri() + ": start failed: " + e.getMessage(), e);
        }
        warnIfKeysCanBeEvicted();
        // Only the store's own two connections count. The client tells of others too: a Cluster client's topology
        // refreshes (a connection to every node, opened and closed every second) and its connections to single
        // nodes, a Sentinel lookup. Taken for the command connection, each refresh read as Redis lost and found
        // again, and new rooms were refused every second. A node's connection that drops shows in the requests
        // sent on it instead: they fail at once, which interrupts as well (RedisWatch#completed).
        links.client().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (!owned(connection)) {
                    return;
                }
                cache.connectionChanged();
                if (closed.get() || connection == links.pubSub()) {
                    return; // room events may be lost meanwhile (hence the generation); placement goes on
                }
                reconciliations.abandon(); // Redis may lose again what an unfinished reconciliation gave it
                // Once per loss of the connection, even when a request that failed on it began the interruption a
                // moment before Lettuce told of the loss (a command refused while disconnecting).
                boolean first = watch.connectionUp();
                watch.disconnected();
                if (first) {
                    log.warn("redis {}: connection lost; known rooms keep their server, new rooms are refused"
                            + " (decision retry) until redis answers again", settings.redactedUri());
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (!owned(connection)) {
                    return;
                }
                cache.connectionChanged();
                if (connection != links.pubSub()) {
                    watch.connected();
                }
            }
        });
        long period = PUBLISH_INTERVAL.toMillis();
        timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    private boolean owned(RedisChannelHandler<?, ?> connection) {
        return connection == links.connection() || connection == links.pubSub();
    }

    // Keys with no expiry are what `allkeys-*` policies evict under memory pressure: a room evicted is placed anew
    // at its next join, maybe elsewhere. Redis under ACLs may refuse CONFIG: then the operator is told to check.
    private void warnIfKeysCanBeEvicted() {
        String policy;
        try {
            policy = links.commands().configGet("maxmemory-policy").get(2, TimeUnit.SECONDS)
                    .getOrDefault("maxmemory-policy", "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.info("redis {}: could not read maxmemory-policy ({}); make sure it is noeviction or volatile-*,"
                    + " so that room keys are never evicted", settings.redactedUri(), RedisScript.describe(e));
            return;
        }
        if (policy.startsWith("allkeys-")) {
            log.warn("redis {}: maxmemory-policy is {}: under memory pressure Redis may evict room-router's keys and"
                    + " rooms would be placed anew; use noeviction (or volatile-*) for the keys under prefix {}",
                    settings.redactedUri(), policy, settings.prefix());
        }
    }

    @Override
    public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
        // The snapshot's backend name, not the request's: a known room keeps one string fewer of its own.
        RoomId id = new RoomId(backend.backend(), request.room());
        long now = clock.millis();
        KnownRoom cached = cache.get(id);
        if (cached != null && cache.answers(cached, now)) {
            Optional<ServerStatus> server = backend.server(cached.server());
            if (server.isPresent() && server.get().state().keepsRooms()) {
                cache.hit(id, cached, now);
                touch(id, cached.epoch(), request.player().orElse(""));
                return CompletableFuture.completedFuture(Placement.routed(Decision.STICKY, cached.server(),
                        cachedFallback(cached, request, backend), Reasons.STICKY,
                        server.get().liveConnections(), server.get().capacity()));
            }
        }
        String unavailable = watch.unavailable();
        if (unavailable != null) {
            return CompletableFuture.completedFuture(withoutRedis(request, backend, "redis " + unavailable));
        }
        CompletableFuture<Placement> out = new CompletableFuture<>();
        // A room this agent still routes to (not idle past its timeout here either) is claimed where it lives.
        String claim = cached != null && cache.routes(cached, now) ? cached.server() : "";
        // A room HAProxy's table has and this agent does not know: most were placed by other agents and Redis has
        // them, so Redis is asked first and says when it does not; only then is the table asked (a lookup for every
        // room this agent had not seen doubled the decision times of a two-proxy burst on a shared CPU).
        if (claim.isEmpty() && request.table() == TableHint.IN_TABLE && table != StickTable.NONE) {
            claim = RedisLayout.ASK_IF_UNKNOWN;
        }
        submit(id, request, backend, claim, false, out, now);
        return out;
    }

    /**
     * Redis does not have a room that HAProxy's table has: its players were routed while no agent answered for it
     * (hashed by a proxy whose agent was away) or Redis lost it. Where the table has it, if that server keeps rooms,
     * is claimed, so that Redis keeps it there; otherwise the room is placed as a new one.
     */
    private void placeFromTable(RoomId id, JoinRequest request, BackendSnapshot backend,
            CompletableFuture<Placement> out, long now) {
        table.find(request.backend(), request.room()).whenComplete((lookup, error) -> {
            if (out.isDone()) {
                return;
            }
            if (error != null || !lookup.answered()) {
                // Placed anew, the room could go elsewhere than its players already in; the retry asks again.
                out.complete(Placement.retry(Reasons.TABLE_NOT_READ));
                return;
            }
            String claim = "";
            if (lookup.room().isPresent()) {
                Optional<ServerStatus> server = backend.server(lookup.room().get().server());
                if (server.isPresent() && server.get().state().keepsRooms()) {
                    claim = server.get().name();
                }
            }
            submit(id, request, backend, claim, !claim.isEmpty(), out, now);
        });
    }

    // claimFromTable: the claim is where HAProxy's table has the room, which the answer's reason then says.
    private void submit(RoomId id, JoinRequest request, BackendSnapshot backend, String claim,
            boolean claimFromTable, CompletableFuture<Placement> out, long now) {
        // A client at its bound may still join a room that exists: Redis is told not to open a new one for it.
        boolean tookSlot = request.client().isPresent() && pendingClients.tryTake(request.client().get(), now);
        boolean mayOpen = request.client().isEmpty() || tookSlot;
        FirstJoin first = new FirstJoin(firstJoins, id, request, backend, out, cache.generation(), now, tookSlot,
                claimFromTable);
        RedisJoinBatcher.Entry<JoinReply> entry = RedisJoinBatcher.Entry.join(request.room(), request.size(),
                RedisLayout.playerHash(request.player().orElse("")), backend.servers(), claim, mayOpen,
                first::answered);
        entry.reply().whenComplete(first);
        batcher(request.backend()).submit(entry);
    }

    @Override
    public CompletionStage<Boolean> release(String backend, String room) {
        cache.forget(new RoomId(backend, room));
        // Releases have no bound of their own in the batcher: the stage below times out.
        return batcher(backend).submit(RedisJoinBatcher.Entry.release(room))
                .thenApply(ReleaseReply::existed)
                .orTimeout(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public CompletionStage<Optional<RoomView>> room(String backend, String room) {
        return queries.room(backend, room);
    }

    @Override
    public CompletionStage<RoomPage> rooms(String backend, Optional<String> after, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("limit: " + limit + " (expected: 1 to " + MAX_PAGE + ")"));
        }
        return queries.rooms(backend, after, limit);
    }

    @Override
    public CompletionStage<BackendView> backend(String backend, List<String> servers) {
        return queries.backend(backend, servers);
    }

    @Override
    public Optional<String> unreachable() {
        return Optional.ofNullable(watch.unavailable()).map(why -> "redis " + why);
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public void close() {
        closed.set(true);
        timer.shutdownNow();
        links.close();
        if (ownLoop != null) {
            ownLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** What the store has counted since it started, for metrics; cheap and never blocks. */
    public RedisHealth health() {
        return new RedisHealth(watch.connectionUp(), watch.answering(), degradedAnswers.get(), reconciliations.count(),
                reconciliations.roomsAdopted(), reconciliations.roomsKept(), reconciliations.roomsConflicting(),
                cache.size(), batchers.values().stream().mapToLong(RedisJoinBatcher::extendedBounds).sum(),
                droppedTouches());
    }

    /** Joins answered from the cache so far. */
    long cacheHits() {
        return cache.cacheHits();
    }

    /** Rooms this agent knows as Redis confirmed them, idle ones included until they are forgotten. */
    int knownRooms() {
        return cache.size();
    }

    /** Room events received on the pub/sub channel so far. */
    long invalidations() {
        return cache.invalidations();
    }

    /** Touches dropped so far because too many waited, over every backend. */
    long droppedTouches() {
        return batchers.values().stream().mapToLong(RedisJoinBatcher::droppedTouches).sum();
    }

    /** The outcome of the last reconciliation after an interruption; null before the first. */
    Reconciliation lastReconciliation() {
        return reconciliations.last();
    }

    /** Publishes this agent's load and confirms settled arrivals now; completes when Redis has them. */
    CompletableFuture<Void> publishNow() {
        return publisher.publishNow();
    }

    private void tick() {
        try {
            if (watch.interrupted() && watch.unavailable() == null) {
                reconciliations.resume();
            }
            publisher.publishIfIdle();
            long now = clock.millis();
            if (cache.forgetIdle(now)) {
                pendingClients.forgetIdle(now);
            }
        } catch (RuntimeException e) {
            publisher.warnFailed(e);
        }
    }

    private void touch(RoomId id, String epoch, String player) {
        if (!watch.answering()) {
            return; // nothing more for a Redis that does not answer; the reconciliation renews the room
        }
        long at = clock.millis();
        // A failed touch is left alone: the entry ages out of the cache and the next miss asks Redis. Touches have
        // no time bound: nobody waits for them.
        batcher(id.backend()).submit(RedisJoinBatcher.Entry.touch(id.room(), epoch, RedisLayout.playerHash(player)))
                .thenAccept(reply -> cache.touchAnswered(id, epoch, reply, at));
    }

    private RedisJoinBatcher batcher(String backend) {
        return batchers.computeIfAbsent(backend, name -> new RedisJoinBatcher(
                (servers, entries) -> runStep(name, servers, entries), loop, settings.timeout(), TOUCH_DELAY,
                STEPS_IN_FLIGHT, BATCH_ENTRIES, QUEUED_JOINS, nanoTime));
    }

    private CompletableFuture<List<Object>> runStep(String backend, List<ServerStatus> servers,
            List<RedisJoinBatcher.Entry<?>> entries) {
        if (entries.get(0).isRelease()) {
            List<String> args = layout.head("release", backend, clock.millis());
            args.add(entries.get(0).room());
            return calls.run(layout.keys(backend), args);
        }
        List<String> args = layout.batchHead(backend, clock.millis(), lifetimes, servers, bounds.maxRooms());
        for (RedisJoinBatcher.Entry<?> entry : entries) {
            entry.addArgs(args);
        }
        return calls.run(layout.keys(backend), args);
    }

    // A join Redis did not answer: a room this agent knows keeps its server (or, if that server stopped keeping
    // rooms, goes to the fallback HAProxy uses for it too, which is where Redis moves it); any other room is refused
    // for now. Never a server Redis has not given the room: Redis, through a request already queued there by this
    // agent or another, may give it a different one.
    private Placement withoutRedis(JoinRequest request, BackendSnapshot backend, String why) {
        answeredWithoutRedis.incrementAndGet();
        degradedAnswers.incrementAndGet();
        RoomId id = new RoomId(backend.backend(), request.room());
        KnownRoom room = cache.get(id);
        if (room != null && cache.routes(room, clock.millis())) {
            Optional<ServerStatus> server = backend.server(room.server());
            if (server.isPresent() && server.get().state().keepsRooms()) {
                return Placement.routed(Decision.STICKY, room.server(), cachedFallback(room, request, backend),
                        "known room; " + why, server.get().liveConnections(), server.get().capacity());
            }
            Optional<String> fallback = cachedFallback(room, request, backend);
            Optional<ServerStatus> target = fallback.flatMap(backend::server);
            if (target.isPresent()) {
                return Placement.routed(Decision.MOVED, target.get().name(),
                        Reasons.toFallback(Reasons.serverGone(room.server(), server.map(ServerStatus::state)))
                                + "; " + why,
                        target.get().liveConnections(), target.get().capacity());
            }
        }
        return Placement.retry("room not placed yet; " + why);
    }

    // The fallback Redis keeps with the room (where it moves the room if its server fails) while that server is UP
    // here; else the one the script moves it to when it keeps none.
    private static Optional<String> cachedFallback(KnownRoom room, JoinRequest request, BackendSnapshot backend) {
        if (!room.fallback().isEmpty()
                && backend.server(room.fallback()).map(s -> s.state() == ServerState.UP).orElse(false)) {
            return Optional.of(room.fallback());
        }
        return PlacementPolicy.usualFallback(request.room(), room.server(), backend.servers());
    }

    /** The table's rooms are offered to Redis as a reconciliation offers known ones: see {@link RedisTableReadBack}. */
    @Override
    public TableReadBack readBack(BackendSnapshot backend, int roomSize) {
        return new RedisTableReadBack(backend, roomSize, lifetimes.idleTimeout(), reconciliations::adopt, nanoTime);
    }
}
