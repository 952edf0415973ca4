package io.roomrouter.store;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciliations after an interruption: once Redis answers again, every room this agent knows is offered to it
 * ({@link RedisReconciler}), a step at a time, and Redis's word on each stands in the cache. Keeps the one under way
 * across failed attempts and counts what they did, for metrics.
 *
 * <p>Threads. {@link #resume} runs on the store's {@code rr-redis} thread only; its steps complete on the Redis
 * loop. {@link #abandon} runs on a Lettuce thread when the connection drops. The counters are read on any thread.
 */
final class RedisReconciliations {
    // The store's logger: its log lines read as they did when the store reconciled itself.
    private static final Logger log = LoggerFactory.getLogger(RedisRoomStore.class);

    private final RedisRoomCache cache;
    private final RedisWatch watch;
    private final RedisCalls calls;
    private final RedisLayout layout;
    private final RoomLifetimes lifetimes;
    private final Clock clock;
    private final String redactedUri;
    // Joins answered without Redis since the last reconciliation's log line, which reads and resets them.
    private final LongSupplier answeredWithoutRedis;
    // The reconciliation under way, kept across failed attempts so that each room is offered once; dropped when the
    // connection drops again (Redis may lose again what it was given). Only the rr-redis thread starts one.
    private final AtomicReference<Reconciling> reconciling = new AtomicReference<>();
    private final AtomicReference<Reconciliation> lastReconciliation = new AtomicReference<>();
    private final AtomicLong reconciliations = new AtomicLong();
    private final AtomicLong roomsAdopted = new AtomicLong();
    private final AtomicLong roomsKept = new AtomicLong();
    private final AtomicLong roomsConflicting = new AtomicLong();

    RedisReconciliations(RedisRoomCache cache, RedisWatch watch, RedisCalls calls, RedisLayout layout,
            RoomLifetimes lifetimes, Clock clock, String redactedUri, LongSupplier answeredWithoutRedis) {
        this.cache = cache;
        this.watch = watch;
        this.calls = calls;
        this.layout = layout;
        this.lifetimes = lifetimes;
        this.clock = clock;
        this.redactedUri = redactedUri;
        this.answeredWithoutRedis = answeredWithoutRedis;
    }

    /** Starts a reconciliation, or goes on with the one under way unless its last attempt still waits for Redis. */
    // On rr-redis, once Redis answers again after an interruption: every room this agent knows is offered to it,
    // a step at a time. A failed attempt keeps what is left for the next tick.
    void resume() {
        Reconciling current = reconciling.get();
        if (current == null) {
            current = new Reconciling(new RedisReconciler(cache.claims(clock.millis()), this::adopt, this::apply),
                    watch.nanoTime(), watch.interruption());
            if (!reconciling.compareAndSet(null, current)) {
                return;
            }
        }
        if (!current.idle.compareAndSet(true, false)) {
            return; // the previous attempt is still waiting for Redis
        }
        Reconciling attempt = current;
        long attemptNanos = watch.nanoTime();
        attempt.reconciler.resume().whenComplete((result, error) -> {
            attempt.idle.set(true);
            if (error != null) {
                if (!RedisWatch.replied(error)) {
                    // No reply: the link to Redis (in a Cluster, to the node serving the backend) may have died
                    // with what this reconciliation gave it, unreplicated; the next one starts from the beginning.
                    reconciling.compareAndSet(attempt, null);
                }
                log.debug("redis reconciliation: {} rooms left to offer; retrying: {}", attempt.reconciler.remaining(),
                        RedisScript.describe(error));
                return;
            }
            if (!reconciling.compareAndSet(attempt, null)) {
                return; // the connection dropped meanwhile: a new reconciliation starts from the beginning
            }
            long interruptedMillis = watch.interruptedMillis();
            watch.reconciled(attempt.startNanos);
            lastReconciliation.set(result);
            reconciliations.incrementAndGet();
            roomsAdopted.addAndGet(result.adopted());
            roomsKept.addAndGet(result.kept());
            roomsConflicting.addAndGet(result.conflicts());
            log.info("redis {}: answering again after {} ({} ms in all); reconciled {} known rooms in {} ms: {}"
                            + " adopted, {} kept, {} conflicts (redis kept another server); {} joins answered"
                            + " without redis", redactedUri, attempt.cause, interruptedMillis,
                    result.total(), TimeUnit.NANOSECONDS.toMillis(watch.nanoTime() - attemptNanos), result.adopted(),
                    result.kept(), result.conflicts(), answeredWithoutRedis.getAsLong());
        });
    }

    /** The connection dropped: Redis may lose again what an unfinished reconciliation gave it. */
    void abandon() {
        reconciling.set(null);
    }

    /** Offers Redis one step of rooms of one backend, which it keeps where they are unless it has them elsewhere. */
    CompletableFuture<List<Object>> adopt(String backend, List<RedisReconciler.Claim> claims) {
        List<String> args = layout.head("adopt", backend, clock.millis());
        args.add(Long.toString(lifetimes.idleTimeout().toMillis()));
        for (RedisReconciler.Claim claim : claims) {
            args.add(claim.room());
            args.add(claim.server());
            args.add(Integer.toString(claim.size()));
        }
        return calls.run(layout.keys(backend), args);
    }

    // Redis's word on a room stands: its server (another one after a conflict) and its epoch, confirmed now.
    private void apply(RedisReconciler.Outcome outcome) {
        RedisReconciler.Claim claim = outcome.claim();
        cache.reconciled(new RedisRoomCache.RoomId(claim.backend(), claim.room()), outcome.server(), outcome.epoch());
        if (outcome.kind() == RedisReconciler.Kind.CONFLICT) {
            log.info("room={} backend={}: redis has it on {}; this agent had it on {}: redis's server stands",
                    claim.room(), claim.backend(), outcome.server(), claim.server());
        }
    }

    /** The outcome of the last reconciliation after an interruption; null before the first. */
    Reconciliation last() {
        return lastReconciliation.get();
    }

    long count() {
        return reconciliations.get();
    }

    long roomsAdopted() {
        return roomsAdopted.get();
    }

    long roomsKept() {
        return roomsKept.get();
    }

    long roomsConflicting() {
        return roomsConflicting.get();
    }

    /** A reconciliation under way: when it began, after what, and whether an attempt is waiting for Redis. */
    private record Reconciling(RedisReconciler reconciler, long startNanos, String cause, AtomicBoolean idle) {
        Reconciling(RedisReconciler reconciler, long startNanos, String cause) {
            this(reconciler, startNanos, cause, new AtomicBoolean(true));
        }
    }
}
