package io.roomrouter.store;

import io.roomrouter.placement.JoinRequest;
import io.roomrouter.placement.Placement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rooms this agent knows, as Redis last confirmed them: joins to them are answered from here, and while Redis
 * does not answer they keep their server. An entry answers joins only while its generation is current, Redis
 * confirmed it within the cache's time to live, and the room is not idle past its timeout; Redis's room events
 * ({@link #onEvent}) drop entries that no longer hold. Rooms idle past their timeout are forgotten now and then
 * ({@link #forgetIdle}).
 *
 * <p>Threads. Joins read the cache on the caller's thread (a Netty event loop); Redis's answers and room events
 * update it on the Redis loop; the store's {@code rr-redis} thread forgets idle rooms and reads the rooms to
 * reconcile. Updates of an entry go through the map's atomic operations, so that none brings back an entry an
 * invalidation removed. Bounded by the rooms Redis placed for this agent's joins within the idle timeout.
 */
final class RedisRoomCache {
    /**
     * Bounds of how often rooms idle past their timeout are dropped from the agent's knowledge (they answer nothing
     * meanwhile): a tenth of the idle timeout, so that a forgotten room has lingered at most 10 % past it. Each pass
     * walks every known room: every 5 s, that walk was a tenth of the agent's CPU with a million rooms known.
     */
    private static final Duration MIN_FORGET_INTERVAL = Duration.ofSeconds(5);
    private static final Duration MAX_FORGET_INTERVAL = Duration.ofMinutes(5);

    // The store's logger: its log lines read as they did when the store kept the cache itself.
    private static final Logger log = LoggerFactory.getLogger(RedisRoomStore.class);

    private final RoomLifetimes lifetimes;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final RedisLoadPublisher publisher;
    private final Map<RoomId, KnownRoom> known = new ConcurrentHashMap<>();
    // Bumped whenever a connection drops: invalidations may have been missed, so older cache entries are not
    // trusted for the fast path (they still serve as knowledge while Redis is away).
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong invalidations = new AtomicLong();
    // Only the rr-redis thread reads and writes it.
    private long nextForgetMillis;

    /**
     * {@code ttl}: the longest a cached answer stands without Redis confirming it; {@code publisher} hears the
     * arrivals Redis counted in the answers remembered here; {@code nanoTime} dates confirmations.
     */
    RedisRoomCache(RoomLifetimes lifetimes, Duration ttl, RedisLoadPublisher publisher, LongSupplier nanoTime) {
        this.lifetimes = lifetimes;
        this.nanoTime = nanoTime;
        this.ttlNanos = ttl.toNanos();
        this.publisher = publisher;
    }

    /** What this agent knows of the room, current or not; null when it knows nothing. */
    KnownRoom get(RoomId id) {
        return known.get(id);
    }

    /** Whether {@code room} may answer a join now without asking Redis. */
    boolean answers(KnownRoom room, long nowMillis) {
        return room.generation() == generation.get()
                && nanoTime.getAsLong() - room.confirmedNanos() < ttlNanos
                && routes(room, nowMillis);
    }

    /** Whether this agent still routes to the room: it is not idle past its timeout here. */
    boolean routes(KnownRoom room, long nowMillis) {
        return room.lastJoinMillis() + lifetimes.idleTimeout().toMillis() > nowMillis;
    }

    /** A join was answered from {@code cached}: counted, and the room's last join moved to {@code nowMillis}. */
    void hit(RoomId id, KnownRoom cached, long nowMillis) {
        cacheHits.incrementAndGet();
        // Only if no invalidation removed or replaced it since it was read: a put would bring it back.
        known.replace(id, cached, cached.joined(nowMillis));
    }

    /** The current generation, read when a join is sent to Redis and given back to {@link #remember}. */
    long generation() {
        return generation.get();
    }

    /** A connection to Redis dropped or came back: room events may have been missed meanwhile. */
    void connectionChanged() {
        generation.incrementAndGet();
    }

    /** The room ended. */
    void forget(RoomId id) {
        known.remove(id);
    }

    /**
     * Redis answered a touch sent for the room at {@code atMillis} with {@code epoch}: the room is confirmed (and
     * the arrival counted) if its epoch still holds; otherwise this agent forgets it.
     */
    void touchAnswered(RoomId id, String epoch, TouchReply reply, long atMillis) {
        if (reply.valid()) {
            String fallback = reply.fallback();
            known.computeIfPresent(id, (key, room) -> room.epoch().equals(epoch)
                    ? room.confirmed(nanoTime.getAsLong(), fallback) : room);
            if (reply.arrivalCounted()) {
                publisher.arrived(id.backend(), id.room(), epoch, atMillis);
            }
        } else {
            known.computeIfPresent(id, (key, room) -> room.epoch().equals(epoch) ? null : room);
        }
    }

    /** Redis answered a join sent at {@code now}, when the generation was {@code startGeneration}. */
    void remember(RoomId id, JoinReply answer, int size, long startGeneration, long now) {
        if (answer.server().isEmpty()) {
            known.remove(id);
            return;
        }
        known.put(id, new KnownRoom(answer.server(), answer.fallback(), answer.epoch(), size, startGeneration,
                nanoTime.getAsLong(), now));
        if (answer.arrivalCounted()) {
            publisher.arrived(id.backend(), id.room(), answer.epoch(), now);
        }
    }

    // Redis answered after this join had been answered without it. Its answer is the room's truth from now on: the
    // room is known here, so the player's retry (or the next player) is sent where Redis put it. When the join was
    // answered from what this agent knew and Redis names another server, Redis moved the room meanwhile.
    void lateReply(RoomId id, JoinReply answer, JoinRequest request, Placement given, long startGeneration,
            long startMillis) {
        if (answer.server().isEmpty()) {
            return;
        }
        if (given.server().isPresent() && !given.server().get().equals(answer.server())) {
            log.info("room={} backend={}: redis answered late with server {}; this agent had sent the player to {}",
                    request.room(), request.backend(), answer.server(), given.server().get());
        }
        remember(id, answer, request.size(), startGeneration, startMillis);
    }

    // Redis's word on a room stands: its server (another one after a conflict) and its epoch, confirmed now.
    void reconciled(RoomId id, String server, String epoch) {
        long generationNow = generation.get();
        long nanos = nanoTime.getAsLong();
        known.computeIfPresent(id, (key, room) -> {
            String kept = room.server().equals(server) ? room.server() : server;
            return new KnownRoom(kept, kept.equals(room.server()) ? room.fallback() : "", epoch, room.size(),
                    generationNow, nanos, room.lastJoinMillis());
        });
    }

    /** The rooms this agent still routes to, as claims to offer Redis after an interruption. */
    List<RedisReconciler.Claim> claims(long nowMillis) {
        List<RedisReconciler.Claim> claims = new ArrayList<>();
        known.forEach((id, room) -> {
            if (routes(room, nowMillis)) {
                claims.add(new RedisReconciler.Claim(id.backend(), id.room(), room.server(), room.size()));
            }
        });
        return claims;
    }

    /**
     * On the rr-redis thread, each tick: forgets the rooms idle past their timeout when a pass is due. Returns
     * whether it made one.
     */
    boolean forgetIdle(long now) {
        // A full pass over every known room is the costly part of a tick: forget idle rooms only now and then.
        if (now < nextForgetMillis) {
            return false;
        }
        nextForgetMillis = now + forgetIntervalMillis();
        long idle = lifetimes.idleTimeout().toMillis();
        known.values().removeIf(room -> room.lastJoinMillis() + idle <= now);
        return true;
    }

    private long forgetIntervalMillis() {
        long tenth = lifetimes.idleTimeout().toMillis() / 10;
        return Math.max(MIN_FORGET_INTERVAL.toMillis(), Math.min(MAX_FORGET_INTERVAL.toMillis(), tenth));
    }

    /** A message of Redis's room events channel. */
    void onEvent(String message) {
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

    /** Joins answered from the cache so far. */
    long cacheHits() {
        return cacheHits.get();
    }

    /** Room events received on the pub/sub channel so far. */
    long invalidations() {
        return invalidations.get();
    }

    /** Rooms known, idle ones included until they are forgotten. */
    int size() {
        return known.size();
    }

    record RoomId(String backend, String room) {}

    /** What this agent knows of a room, as Redis last confirmed it. */
    record KnownRoom(String server, String fallback, String epoch, int size, long generation, long confirmedNanos,
            long lastJoinMillis) {

        KnownRoom joined(long nowMillis) {
            return new KnownRoom(server, fallback, epoch, size, generation, confirmedNanos, nowMillis);
        }

        KnownRoom confirmed(long nowNanos, String keptFallback) {
            return new KnownRoom(server, keptFallback.equals(fallback) ? fallback : keptFallback, epoch, size,
                    generation, nowNanos, lastJoinMillis);
        }
    }
}
