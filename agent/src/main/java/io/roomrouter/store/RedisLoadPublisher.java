package io.roomrouter.store;

import io.roomrouter.haproxy.ServerInventory;
import io.roomrouter.placement.BackendSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this agent's HAProxy load to Redis, where live load is the sum of what every agent publishes, and with
 * it confirms the arrivals Redis counted once HAProxy counts them as connections: their held seats are then given
 * back. It also asks whether rooms this agent's clients opened still wait for players ({@link PendingClients}), up
 * to {@link #CHECKED_ROOMS} of them a publication, in turn: a room whose other players came through other agents
 * stops counting against its client within a few publications, not when its whole window ends.
 *
 * <p>Threads. {@link #arrived} runs on any thread (the Redis loop, as Redis answers joins and touches) and only
 * queues. {@link #publishNow} and {@link #publishIfIdle} run on the store's {@code rr-redis} thread (or a test).
 * Arrivals waiting to be confirmed are bounded by the reservation window: past it an arrival holds nothing and is
 * dropped unconfirmed.
 */
final class RedisLoadPublisher {
    /** An agent whose last publication is older than this no longer counts. */
    static final Duration HEARTBEAT_TTL = Duration.ofSeconds(2);
    /** Rooms asked about per publication: bounds the step's work; 1 280 a second at one publication per 200 ms. */
    static final int CHECKED_ROOMS = 256;
    /** Failed publications are logged at most this often. */
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    // The store's logger: its log lines read as they did when the store published itself.
    private static final Logger log = LoggerFactory.getLogger(RedisRoomStore.class);

    private final ServerInventory inventory;
    private final String agentId;
    private final Clock clock;
    private final RoomLifetimes lifetimes;
    private final RedisLayout layout;
    private final RedisCalls calls;
    private final PendingClients pendingClients;
    private final String redactedUri;
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    // Arrivals waiting to be confirmed, per backend, in about the order they came; only publishNow reads and writes
    // them, holding the map's lock (the rr-redis thread, or a test).
    private final Map<String, ArrayDeque<Arrival>> waiting = new HashMap<>();
    // Only the rr-redis thread reads and writes it.
    private CompletableFuture<?> publication = CompletableFuture.completedFuture(null);
    // Guarded by this.
    private long lastPublishWarnNanos;
    private final LongSupplier nanoTime;
    private long failedPublications;

    RedisLoadPublisher(ServerInventory inventory, String agentId, Clock clock, RoomLifetimes lifetimes,
            RedisLayout layout, RedisCalls calls, PendingClients pendingClients, String redactedUri,
            LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.inventory = inventory;
        this.agentId = agentId;
        this.clock = clock;
        this.lifetimes = lifetimes;
        this.layout = layout;
        this.calls = calls;
        this.pendingClients = pendingClients;
        this.redactedUri = redactedUri;
        this.lastPublishWarnNanos = nanoTime.getAsLong() - WARN_EVERY_NANOS;
    }

    /** Redis counted a player's arrival in a room at {@code atMillis}: confirmed once HAProxy counts it too. */
    void arrived(String backend, String room, String epoch, long atMillis) {
        arrivals.add(new Arrival(backend, room, epoch, atMillis));
    }

    /** Publishes this agent's load and confirms settled arrivals now; completes when Redis has them. */
    CompletableFuture<Void> publishNow() {
        long now = clock.millis();
        long windowStart = now - lifetimes.reservationWindow().toMillis();
        List<Publication> publications = new ArrayList<>();
        Map<String, List<PendingClients.HeldRoom>> held = new HashMap<>();
        for (PendingClients.HeldRoom room : pendingClients.nextToCheck(CHECKED_ROOMS, now)) {
            held.computeIfAbsent(room.id().backend(), name -> new ArrayList<>()).add(room);
        }
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
                publications.add(new Publication(snapshot, settled,
                        held.getOrDefault(snapshot.backend(), List.of())));
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
            args.add(Integer.toString(publication.settled().size()));
            for (Arrival arrival : publication.settled()) {
                args.add(arrival.room());
                args.add(arrival.epoch());
                args.add("1");
            }
            for (PendingClients.HeldRoom room : publication.held()) {
                args.add(room.id().room());
                args.add(room.epoch());
            }
            steps.add(calls.run(layout.keys(snapshot.backend()), args).whenComplete((values, error) -> {
                if (error != null) {
                    arrivals.addAll(publication.settled()); // confirmed at the next publication that gets through
                } else {
                    settleHeldRooms(publication.held(), values);
                }
            }));
        }
        return CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0]));
    }

    /** On the rr-redis thread, each tick: publishes unless the previous publication is still under way. */
    void publishIfIdle() {
        // One publication at a time: while Redis is silent the one under way is what finds it answering again,
        // and more would only pile up in its input buffer.
        if (publication.isDone()) {
            publication = publishNow().whenComplete((done, error) -> {
                if (error != null) {
                    warnFailed(error);
                }
            });
        }
    }

    /** Counts a failed publication (or tick) and says so, at most every ten seconds. */
    // On the rr-redis thread or a Lettuce thread: rare, so a lock is cheaper than reasoning about the race.
    synchronized void warnFailed(Throwable error) {
        failedPublications++;
        long now = nanoTime.getAsLong();
        if (now - lastPublishWarnNanos >= WARN_EVERY_NANOS) {
            lastPublishWarnNanos = now;
            log.warn("redis {}: publishing this agent's load failed ({} since the last warning): {}; other agents"
                    + " weigh its servers by its last publication for {} s", redactedUri,
                    failedPublications, RedisScript.describe(error), HEARTBEAT_TTL.toSeconds());
            failedPublications = 0;
        }
    }

    // Redis' answer for each room asked about, after the seats given back: '1' while it still waits for players.
    private void settleHeldRooms(List<PendingClients.HeldRoom> rooms, List<Object> values) {
        ScriptValues.count(values, 1 + rooms.size(), "publish reply");
        for (int i = 0; i < rooms.size(); i++) {
            if (!ScriptValues.flag(values, 1 + i, "publish reply")) {
                pendingClients.settled(rooms.get(i));
            }
        }
    }

    /** One backend's load, the arrivals it confirms and the rooms it asks about, for one publication. */
    private record Publication(BackendSnapshot snapshot, List<Arrival> settled, List<PendingClients.HeldRoom> held) {}

    /** An arrival Redis counted; once HAProxy counts it as a connection, its held seat is given back. */
    private record Arrival(String backend, String room, String epoch, long atMillis) {}
}
