package io.roomrouter.store;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.Decision;
import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import io.roomrouter.placement.PlacementPolicy;
import io.roomrouter.placement.RendezvousHash;
import io.roomrouter.placement.ServerLoad;
import io.roomrouter.placement.ServerState;
import io.roomrouter.placement.ServerStatus;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room placement shared by every agent through Redis: an atomic script step decides and reserves first joins, those
 * of one backend that arrive while earlier steps are under way together ({@link RedisJoinBatcher}); live load is the
 * sum of what every agent publishes; a local cache answers joins to known rooms.
 *
 * <p>Threads. {@link #join} and {@link #release} run on the caller's thread (a Netty event loop) only to read
 * the cache and queue or send a command; they never block. Their stages complete on a Lettuce I/O thread (Redis
 * answered), or on the store's own {@code rr-redis} thread (the time bound passed). The {@code rr-redis} thread
 * also publishes this agent's load every {@link #PUBLISH_INTERVAL}, confirms arrivals, forgets ended rooms and
 * reconciles after Redis comes back. Pub/sub invalidations arrive on a Lettuce I/O thread.
 *
 * <p>When Redis fails, a join completes within the configured timeout: rooms this agent knows keep their server,
 * new rooms go to the rendezvous pick among UP servers ({@link Decision#DEGRADED}), which every agent computes
 * alike; when Redis is only slow, to where its script is about to place them (see {@code newRoomWithoutRedis}).
 * Lettuce reconnects; then every room the agent knows is reconciled with Redis, and the result logged.
 */
public final class RedisRoomStore implements RoomStore {
    /** How often each agent publishes its HAProxy's load. */
    static final Duration PUBLISH_INTERVAL = Duration.ofMillis(200);
    /** An agent whose last publication is older than this no longer counts. */
    static final Duration HEARTBEAT_TTL = Duration.ofSeconds(2);
    /** The longest a cached answer stands without Redis confirming it, in case an invalidation was lost. */
    static final Duration CACHE_TTL = Duration.ofSeconds(1);
    /**
     * Batch steps under way at once per backend: while they run, joins queue up and go out together in the next.
     */
    static final int STEPS_IN_FLIGHT = 2;
    /**
     * How long the loads Redis reported with a publication may guide a join that Redis is too slow to answer; past
     * that (Redis stalled for longer, publications included) such a join takes the rendezvous pick.
     */
    static final Duration SHARED_LOADS_TTL = Duration.ofSeconds(1);
    /** The most joins and touches in one step: bounds the work of one atomic step, hence what waits behind it. */
    static final int BATCH_ENTRIES = 128;
    /**
     * Bounds of how often rooms idle past their timeout are dropped from the agent's knowledge (they answer nothing
     * meanwhile): a tenth of the idle timeout, so that a forgotten room has lingered at most 10 % past it. Each pass
     * walks every known room: every 5 s, that walk was a tenth of the agent's CPU with a million rooms known.
     */
    private static final Duration MIN_FORGET_INTERVAL = Duration.ofSeconds(5);
    private static final Duration MAX_FORGET_INTERVAL = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(RedisRoomStore.class);

    private final RedisSettings settings;
    private final RoomLifetimes lifetimes;
    private final ServerInventory inventory;
    private final String agentId;
    private final Clock clock;
    private final RedisLinks links;
    private final RedisScript script;
    private final RedisLayout layout;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, RedisJoinBatcher> batchers = new ConcurrentHashMap<>();
    private final Map<RoomId, KnownRoom> known = new ConcurrentHashMap<>();
    // Per backend, the loads Redis reported at this agent's last publication.
    private final Map<String, SharedLoads> sharedLoads = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    // Arrivals waiting to be confirmed, per backend, in about the order they came; only publishNow reads and writes
    // them, holding the map's lock (the rr-redis thread, or a test).
    private final Map<String, ArrayDeque<Arrival>> waiting = new HashMap<>();
    // Bumped whenever a connection drops: invalidations may have been missed, so older cache entries are not
    // trusted for the fast path (they still serve as knowledge while Redis is away).
    private final AtomicLong generation = new AtomicLong();
    private final AtomicBoolean disconnected = new AtomicBoolean();
    private final AtomicBoolean reconciling = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong disconnectedAtNanos = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong invalidations = new AtomicLong();
    private final AtomicReference<Reconciliation> lastReconciliation = new AtomicReference<>();
    // Outcomes of the reconciliation under way, kept across retries so that each room is counted once.
    private final Map<RoomId, String> reconciled = new ConcurrentHashMap<>();
    // Only the rr-redis thread reads and writes it.
    private long nextForgetMillis;

    private RedisRoomStore(RedisSettings settings, RoomLifetimes lifetimes, ServerInventory inventory, String agentId,
            Clock clock, RedisLinks links) {
        this.settings = settings;
        this.lifetimes = lifetimes;
        this.inventory = inventory;
        this.agentId = agentId;
        this.clock = clock;
        this.links = links;
        this.script = new RedisScript(links.commands());
        this.layout = new RedisLayout(settings.prefix());
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "rr-redis");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Connects to Redis, loads the script, subscribes to room events and starts publishing this agent's load.
     * Blocks while connecting: call at start-up, not on an event loop. {@code agentId} names this agent in the
     * shared load (stable for the process, e.g. {@code host:port}); {@code clock} dates joins and heartbeats.
     *
     * @throws io.lettuce.core.RedisException when Redis cannot be reached now
     */
    public static RedisRoomStore start(RedisSettings settings, RoomLifetimes lifetimes, ServerInventory inventory,
            String agentId, Clock clock) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(lifetimes, "lifetimes");
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(clock, "clock");
        if (agentId.isEmpty() || agentId.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("agentId: '" + agentId + "' (expected: non-empty, no spaces)");
        }
        RedisLinks links = RedisLinks.connect(settings);
        RedisRoomStore store;
        try {
            store = new RedisRoomStore(settings, lifetimes, inventory, agentId, clock, links);
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
                    onEvent(message);
                }
            });
            links.pubSub().async().subscribe(layout.channel()).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the redis room store", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("redis " + settings.redactedUri() + ": start failed: " + e.getMessage(), e);
        }
        links.client().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                generation.incrementAndGet();
                reconciled.clear(); // Redis may lose again what an unfinished reconciliation gave it
                if (!closed.get() && disconnected.compareAndSet(false, true)) {
                    disconnectedAtNanos.set(System.nanoTime());
                    log.warn("redis {}: connection lost; joins fall back to known rooms and rendezvous placement",
                            settings.redactedUri());
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                generation.incrementAndGet();
            }
        });
        long period = PUBLISH_INTERVAL.toMillis();
        timer.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Placement> join(JoinRequest request, BackendSnapshot backend) {
        // The snapshot's backend name, not the request's: a known room keeps one string fewer of its own.
        RoomId id = new RoomId(backend.backend(), request.room());
        long now = clock.millis();
        KnownRoom cached = known.get(id);
        if (cached != null && cached.answersFromCache(generation.get(), System.nanoTime(), now, lifetimes)) {
            Optional<ServerStatus> server = backend.server(cached.server());
            if (server.isPresent() && server.get().state().keepsRooms()) {
                cacheHits.incrementAndGet();
                known.put(id, cached.joined(now));
                touch(id, cached.epoch(), request.player().orElse(""));
                return CompletableFuture.completedFuture(Placement.routed(Decision.STICKY, cached.server(),
                        cachedFallback(cached, request, backend), "room lives here",
                        server.get().liveConnections(), server.get().capacity()));
            }
        }
        CompletableFuture<Placement> out = new CompletableFuture<>();
        batcher(request.backend()).submit(RedisJoinBatcher.Entry.join(request.room(), request.size(),
                RedisLayout.playerHash(request.player().orElse("")), backend.servers(),
                new FirstJoin(id, request, backend, out, generation.get(), now)));
        return out;
    }

    @Override
    public CompletionStage<Boolean> release(String backend, String room) {
        known.remove(new RoomId(backend, room));
        CompletableFuture<Boolean> released = new CompletableFuture<>();
        batcher(backend).submit(RedisJoinBatcher.Entry.release(room, new RedisJoinBatcher.Outcome() {
            @Override
            public void answered(List<Object> values) {
                released.complete("1".equals(values.get(0)));
            }

            @Override
            public void failed(Throwable error) {
                released.completeExceptionally(error);
            }

            @Override
            public void timedOut() {
                // releases have no bound of their own in the batcher: the stage below times out
            }
        }));
        return released.orTimeout(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
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
    }

    /** Joins answered from the cache so far. */
    long cacheHits() {
        return cacheHits.get();
    }

    /** Room events received on the pub/sub channel so far. */
    long invalidations() {
        return invalidations.get();
    }

    /** The outcome of the last reconciliation after a reconnect; null before the first. */
    Reconciliation lastReconciliation() {
        return lastReconciliation.get();
    }

    /** Publishes this agent's load and confirms settled arrivals now; completes when Redis has them. */
    CompletableFuture<Void> publishNow() {
        long now = clock.millis();
        long windowStart = now - lifetimes.reservationWindow().toMillis();
        List<Publication> publications = new ArrayList<>();
        synchronized (waiting) {
            for (Arrival arrival; (arrival = arrivals.poll()) != null; ) {
                waiting.computeIfAbsent(arrival.backend(), name -> new ArrayDeque<>()).add(arrival);
            }
            for (BackendSnapshot snapshot : inventory.backends()) {
                List<Arrival> settled = new ArrayList<>();
                ArrayDeque<Arrival> queue = waiting.get(snapshot.backend());
                // Only the front, the oldest: tens of thousands of arrivals can wait here when HAProxy's counts
                // lag (or never move, with a static inventory), and a publication must not walk them all.
                while (queue != null && !queue.isEmpty()
                        && queue.peek().atMillis() + RoomLifetimes.ARRIVAL_SETTLE_MILLIS <= snapshot.takenAtMillis()) {
                    settled.add(queue.poll());
                }
                publications.add(new Publication(snapshot, settled));
            }
            // After its window an arrival holds nothing: drop it unconfirmed.
            waiting.values().removeIf(queue -> {
                while (!queue.isEmpty() && queue.peek().atMillis() < windowStart) {
                    queue.poll();
                }
                return queue.isEmpty();
            });
        }
        List<CompletableFuture<?>> steps = new ArrayList<>();
        for (Publication publication : publications) {
            BackendSnapshot snapshot = publication.snapshot();
            List<String> args = layout.head("publish", snapshot.backend(), now);
            args.add(agentId);
            args.add(RedisLayout.liveEntry(snapshot, now));
            args.add(Long.toString(now - HEARTBEAT_TTL.toMillis()));
            for (Arrival arrival : publication.settled()) {
                args.add(arrival.room());
                args.add(arrival.epoch());
                args.add("1");
            }
            steps.add(script.run(layout.keys(snapshot.backend()), args.toArray(new String[0]))
                    .whenComplete((values, error) -> {
                        if (error != null) {
                            // confirmed at the next publication that gets through
                            arrivals.addAll(publication.settled());
                        } else {
                            try {
                                sharedLoads.put(snapshot.backend(), SharedLoads.of(values, System.nanoTime()));
                            } catch (NumberFormatException e) {
                                log.warn("redis publish reply: {} ({}); joins Redis is too slow to answer take the"
                                        + " rendezvous pick", values, e.getMessage());
                            }
                        }
                    }));
        }
        return CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0]));
    }

    private void tick() {
        try {
            if (disconnected.get() && links.connection().isOpen()) {
                reconcile();
            }
            publishNow();
            long now = clock.millis();
            // A full pass over every known room is the costly part of a tick: forget idle rooms only now and then.
            if (now >= nextForgetMillis) {
                nextForgetMillis = now + forgetIntervalMillis();
                long idle = lifetimes.idleTimeout().toMillis();
                known.values().removeIf(room -> room.lastJoinMillis() + idle <= now);
            }
        } catch (RuntimeException e) {
            log.warn("redis publish failed: {}", describe(e));
        }
    }

    private long forgetIntervalMillis() {
        long tenth = lifetimes.idleTimeout().toMillis() / 10;
        return Math.max(MIN_FORGET_INTERVAL.toMillis(), Math.min(MAX_FORGET_INTERVAL.toMillis(), tenth));
    }

    private void touch(RoomId id, String epoch, String player) {
        long at = clock.millis();
        batcher(id.backend()).submit(RedisJoinBatcher.Entry.touch(id.room(), epoch, RedisLayout.playerHash(player),
                new RedisJoinBatcher.Outcome() {
                    @Override
                    public void answered(List<Object> values) {
                        if ("1".equals(values.get(0))) {
                            String fallback = String.valueOf(values.get(2));
                            known.computeIfPresent(id, (key, room) -> room.epoch().equals(epoch)
                                    ? room.confirmed(System.nanoTime(), fallback) : room);
                            if ("1".equals(values.get(1))) {
                                arrivals.add(new Arrival(id.backend(), id.room(), epoch, at));
                            }
                        } else {
                            known.computeIfPresent(id, (key, room) -> room.epoch().equals(epoch) ? null : room);
                        }
                    }

                    @Override
                    public void failed(Throwable error) {
                        // the entry ages out of the cache; the next miss asks Redis
                    }

                    @Override
                    public void timedOut() {
                        // touches have no time bound: nobody waits for them
                    }
                }));
    }

    private RedisJoinBatcher batcher(String backend) {
        return batchers.computeIfAbsent(backend, name -> new RedisJoinBatcher(
                (servers, entries) -> runStep(name, servers, entries), timer, settings.timeout(), STEPS_IN_FLIGHT,
                BATCH_ENTRIES));
    }

    private CompletableFuture<List<Object>> runStep(String backend, List<ServerStatus> servers,
            List<RedisJoinBatcher.Entry> entries) {
        if (entries.get(0).isRelease()) {
            List<String> args = layout.head("release", backend, clock.millis());
            args.add(entries.get(0).room());
            return script.run(layout.keys(backend), args.toArray(new String[0]));
        }
        List<String> args = layout.batchHead(backend, clock.millis(), lifetimes, servers);
        for (RedisJoinBatcher.Entry entry : entries) {
            entry.addArgs(args);
        }
        return script.run(layout.keys(backend), args.toArray(new String[0]));
    }

    private void remember(RoomId id, JoinReply answer, int size, long startGeneration, long now) {
        if (answer.server().isEmpty()) {
            known.remove(id);
            return;
        }
        known.put(id, new KnownRoom(answer.server(), answer.fallback(), answer.epoch(), size, startGeneration,
                System.nanoTime(), now));
        if (answer.arrivalCounted()) {
            arrivals.add(new Arrival(id.backend(), id.room(), answer.epoch(), now));
        }
    }

    // Redis answered after this join had already been answered without it. With the server the player was sent
    // to, Redis's answer is kept as if it had come in time: the room is known here and, when Redis counted this
    // player, the seat held for it is given back once HAProxy counts the player (else it stays held for the whole
    // reservation window). With another server: when this very join placed the room there, move the room to
    // where the player went, unless someone changed it since. When another agent placed it first, Redis's answer
    // stands: later joins here follow it, even if Redis is slow again.
    private void lateReply(RoomId id, JoinReply answer, JoinRequest request, Placement given, long startGeneration,
            long startMillis) {
        if (answer.server().isEmpty() || given.server().isEmpty()) {
            return;
        }
        if (answer.server().equals(given.server().get())) {
            remember(id, answer, request.size(), startGeneration, startMillis);
            return;
        }
        if (answer.decision() == Decision.PLACED || answer.decision() == Decision.MOVED) {
            adopt(id, given.server().get(), request.size(), answer.epoch());
            return;
        }
        log.info("room={} backend={}: redis answered late with server {}; this agent had sent the player to {}",
                request.room(), request.backend(), answer.server(), given.server().get());
        known.put(id, new KnownRoom(answer.server(), answer.fallback(), answer.epoch(), request.size(), generation.get(),
                System.nanoTime(), clock.millis()));
    }

    // `slow`: the join's bound passed while Redis still had it (not a failed command or a lost connection).
    private void completeDegraded(CompletableFuture<Placement> out, JoinRequest request, BackendSnapshot backend,
            String why, boolean slow) {
        if (out.isDone()) {
            return;
        }
        RoomId id = new RoomId(request.backend(), request.room());
        long now = clock.millis();
        KnownRoom room = known.get(id);
        Placement placement;
        if (room != null && room.lastJoinMillis() + lifetimes.idleTimeout().toMillis() > now
                && backend.server(room.server()).map(s -> s.state().keepsRooms()).orElse(false)) {
            ServerStatus server = backend.server(room.server()).orElseThrow();
            placement = Placement.routed(Decision.STICKY, room.server(), "known room; redis unavailable: " + why,
                    server.liveConnections(), server.capacity());
        } else {
            placement = newRoomWithoutRedis(request, backend, "redis unavailable: " + why, slow);
        }
        if (out.complete(named(placement, request, backend)) && placement.server().isPresent()) {
            String server = placement.server().get();
            String epoch = room != null && room.server().equals(server) ? room.epoch() : "";
            // Generation -1: never answered from the cache until Redis confirms it.
            known.put(id, new KnownRoom(server, "", epoch, request.size(), -1, 0, now));
        }
    }

    private static Placement named(Placement placement, JoinRequest request, BackendSnapshot backend) {
        if (placement.server().isEmpty()) {
            return placement;
        }
        String server = placement.server().get();
        return Placement.routed(placement.decision(), server, fallback(request, server, backend), placement.reason(),
                placement.load(), placement.capacity());
    }

    // The fallback Redis keeps with the room (where it moves the room if its server fails) while that server is UP
    // here; else the one the script moves it to when it keeps none.
    private static Optional<String> cachedFallback(KnownRoom room, JoinRequest request, BackendSnapshot backend) {
        if (!room.fallback().isEmpty()
                && backend.server(room.fallback()).map(s -> s.state() == ServerState.UP).orElse(false)) {
            return Optional.of(room.fallback());
        }
        return fallback(request, room.server(), backend);
    }

    private static Optional<String> fallback(JoinRequest request, String server, BackendSnapshot backend) {
        return PlacementPolicy.usualFallback(request.room(), server, backend.servers());
    }

    // A new room that Redis did not answer for. When Redis is only slow (the connection is up and this join's bound
    // passed), its entry is still queued there, and so may be another agent's join of the same room: the room goes
    // where the script is about to place it, weighed as the script weighs it, on the loads Redis reported at the
    // last publication. A rendezvous pick there disagreed with Redis whenever the room's first server was more than
    // a room above the least loaded, and the room was split. With the connection lost, or no recent loads, the
    // rendezvous pick: every agent computes it alike without any shared state.
    private Placement newRoomWithoutRedis(JoinRequest request, BackendSnapshot backend, String why, boolean slow) {
        SharedLoads loads = sharedLoads.get(backend.backend());
        long ageNanos = loads == null ? Long.MAX_VALUE : System.nanoTime() - loads.atNanos();
        if (!slow || disconnected.get() || ageNanos > SHARED_LOADS_TTL.toNanos()) {
            return rendezvous(request.room(), backend, why);
        }
        List<ServerLoad> servers = new ArrayList<>(backend.servers().size());
        for (ServerStatus server : backend.servers()) {
            // Redis's load of a server (live connections of every agent's HAProxy plus held seats) as its live count.
            servers.add(new ServerLoad(new ServerStatus(server.name(), server.state(), server.capacity(),
                    loads.of(server.name())), 0));
        }
        Optional<ServerLoad> pick = PlacementPolicy.chooseWithinOneRoom(request.room(), request.size(), servers);
        if (pick.isEmpty()) {
            return rendezvous(request.room(), backend, why + "; no server fits by redis's last loads");
        }
        return Placement.routed(Decision.DEGRADED, pick.get().name(),
                why + "; placed as redis would, by its loads of " + TimeUnit.NANOSECONDS.toMillis(ageNanos) + " ms ago",
                pick.get().load(), pick.get().capacity());
    }

    /** The same server on every agent: the room's rendezvous pick among the servers that are UP. */
    static Placement rendezvous(String room, BackendSnapshot backend, String why) {
        List<String> healthy = new ArrayList<>();
        for (ServerStatus server : backend.servers()) {
            if (server.state() == ServerState.UP) {
                healthy.add(server.name());
            }
        }
        Optional<String> pick = RendezvousHash.pick(room, healthy);
        if (pick.isEmpty()) {
            return Placement.full(why + "; no server is UP");
        }
        ServerStatus server = backend.server(pick.get()).orElseThrow();
        return Placement.routed(Decision.DEGRADED, pick.get(), why + "; rendezvous over " + healthy.size() + " UP",
                server.liveConnections(), server.capacity());
    }

    private CompletableFuture<String> adopt(RoomId id, String server, int size, String lateEpoch) {
        List<String> args = layout.head("adopt", id.backend(), clock.millis());
        args.add(id.room());
        args.add(server);
        args.add(Integer.toString(size));
        args.add(Long.toString(lifetimes.idleTimeout().toMillis()));
        args.add(lateEpoch);
        return script.run(layout.keys(id.backend()), args.toArray(new String[0]))
                .thenApply(values -> {
                    String outcome = (String) values.get(0);
                    String chosen = (String) values.get(1);
                    String epoch = (String) values.get(2);
                    known.computeIfPresent(id, (key, room) -> new KnownRoom(chosen, "", epoch, room.size(),
                            generation.get(), System.nanoTime(), room.lastJoinMillis()));
                    return chosen.equals(server) ? outcome : "conflict";
                });
    }

    // Runs on rr-redis once the command connection is back: Redis may have lost rooms (restart without
    // persistence) or never seen the rooms placed while it was away. Every room this agent knows is offered to
    // Redis; Redis's answer wins where another agent got there first.
    private void reconcile() {
        if (!reconciling.compareAndSet(false, true)) {
            return; // the previous attempt is still waiting for Redis
        }
        long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - disconnectedAtNanos.get());
        long started = System.nanoTime();
        List<CompletableFuture<String>> steps = new ArrayList<>();
        known.forEach((id, room) -> {
            if (!reconciled.containsKey(id)) {
                steps.add(adopt(id, room.server(), room.size(), "")
                        .whenComplete((outcome, error) -> {
                            if (error == null) {
                                reconciled.put(id, outcome);
                            }
                        })
                        .exceptionally(error -> "failed"));
            }
        });
        CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0])).whenComplete((done, error) -> {
            reconciling.set(false);
            if (steps.stream().anyMatch(step -> "failed".equals(step.getNow("failed")))) {
                // Commands can still be refused just after the reconnect: the next tick retries the rooms
                // that are not reconciled yet.
                log.debug("redis reconciliation: {} rooms reconciled so far; retrying", reconciled.size());
                return;
            }
            Reconciliation result = Reconciliation.count(reconciled.values());
            reconciled.clear();
            disconnected.set(false);
            lastReconciliation.set(result);
            log.info("redis {}: reconnected after {} ms; reconciled {} known rooms in {} ms: {} adopted, {} kept,"
                            + " {} corrected, {} conflicts (redis kept another server), {} failed",
                    settings.redactedUri(), downMillis, result.total(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), result.adopted(), result.kept(),
                    result.corrected(), result.conflicts(), result.failed());
        });
    }

    private void onEvent(String message) {
        // "<backend> <room>" when a room ended, "<backend> <room> <epoch>" when it moved.
        String[] parts = message.split(" ", -1);
        if (parts.length < 2) {
            return;
        }
        invalidations.incrementAndGet();
        String epoch = parts.length > 2 ? parts[2] : "";
        known.computeIfPresent(new RoomId(parts[0], parts[1]),
                (id, room) -> !epoch.isEmpty() && room.epoch().equals(epoch) ? room : null);
    }

    private static String describe(Throwable error) {
        Throwable cause = RedisScript.unwrap(error);
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** A first join waiting for its batch step: answered by Redis, or degraded when its own bound passes first. */
    private final class FirstJoin implements RedisJoinBatcher.Outcome {
        private final RoomId id;
        private final JoinRequest request;
        private final BackendSnapshot backend;
        private final CompletableFuture<Placement> out;
        private final long startGeneration;
        private final long startMillis;

        FirstJoin(RoomId id, JoinRequest request, BackendSnapshot backend, CompletableFuture<Placement> out,
                long startGeneration, long startMillis) {
            this.id = id;
            this.request = request;
            this.backend = backend;
            this.out = out;
            this.startGeneration = startGeneration;
            this.startMillis = startMillis;
        }

        @Override
        public void answered(List<Object> values) {
            JoinReply answer;
            try {
                answer = JoinReply.of(values).namedAs(backend);
            } catch (RuntimeException e) {
                completeDegraded(out, request, backend, describe(e), false);
                return;
            }
            // Remember before completing: the caller's next join of this room may run as soon as it completes.
            if (!out.isDone()) {
                remember(id, answer, request.size(), startGeneration, startMillis);
            }
            if (!out.complete(answer.placement())) {
                lateReply(id, answer, request, out.join(), startGeneration, startMillis);
            }
        }

        @Override
        public void failed(Throwable error) {
            completeDegraded(out, request, backend, describe(error), false);
        }

        @Override
        public void timedOut() {
            completeDegraded(out, request, backend, "timeout after " + settings.timeout().toMillis() + " ms", true);
        }
    }

    private record RoomId(String backend, String room) {}

    /** What this agent knows of a room; {@code epoch} is empty when Redis has not confirmed it. */
    private record KnownRoom(String server, String fallback, String epoch, int size, long generation,
            long confirmedNanos, long lastJoinMillis) {

        boolean answersFromCache(long currentGeneration, long nowNanos, long nowMillis, RoomLifetimes lifetimes) {
            return !epoch.isEmpty()
                    && generation == currentGeneration
                    && nowNanos - confirmedNanos < CACHE_TTL.toNanos()
                    && lastJoinMillis + lifetimes.idleTimeout().toMillis() > nowMillis;
        }

        KnownRoom joined(long nowMillis) {
            return new KnownRoom(server, fallback, epoch, size, generation, confirmedNanos, nowMillis);
        }

        KnownRoom confirmed(long nowNanos, String keptFallback) {
            return new KnownRoom(server, keptFallback.equals(fallback) ? fallback : keptFallback, epoch, size,
                    generation, nowNanos, lastJoinMillis);
        }
    }

    /** A backend's server loads as Redis counts them (every agent's connections plus held seats), and when. */
    private record SharedLoads(Map<String, Integer> loads, long atNanos) {

        // The publish reply: the seats given back, then (server, load) pairs.
        static SharedLoads of(List<Object> values, long atNanos) {
            Map<String, Integer> loads = new HashMap<>();
            for (int i = 1; i + 1 < values.size(); i += 2) {
                loads.put(String.valueOf(values.get(i)), Integer.parseInt(String.valueOf(values.get(i + 1))));
            }
            return new SharedLoads(Map.copyOf(loads), atNanos);
        }

        int of(String server) {
            return loads.getOrDefault(server, 0);
        }
    }

    /** One backend's load and the arrivals it confirms, for one publication. */
    private record Publication(BackendSnapshot snapshot, List<Arrival> settled) {}

    /** An arrival Redis counted; once HAProxy counts it as a connection, its held seat is given back. */
    private record Arrival(String backend, String room, String epoch, long atMillis) {}
}
