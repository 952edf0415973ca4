package io.roomrouter.store;

import io.roomrouter.haproxy.StuckRoom;
import io.roomrouter.placement.BackendSnapshot;
import io.roomrouter.placement.ServerStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rooms of one backend's stick table offered to Redis when an agent starts, as a reconciliation offers the
 * rooms an agent knows (the script's {@code adopt}, {@value RedisReconciler#ROOMS_PER_STEP} rooms a step): a room
 * Redis lacks, born while no agent decided (HAProxy hashed its first players and its table kept where), lives on
 * its table's server from then on; a room Redis has stays where Redis has it. An adopted room holds no seats (its
 * players are in HAProxy's live counts already) and lives a whole idle timeout from now in Redis.
 * {@link #finish()} waits for Redis at most {@link #LIMIT}.
 */
final class RedisTableReadBack implements TableReadBack {
    private static final Logger log = LoggerFactory.getLogger(RedisTableReadBack.class);
    /** The longest an agent that starts waits for Redis to take the rooms of one table. */
    static final Duration LIMIT = Duration.ofSeconds(20);

    private final BackendSnapshot backend;
    private final int roomSize;
    private final long idleMillis;
    private final RedisReconciler.StepRunner runner;
    private final LongSupplier nanoTime;
    private final List<RedisReconciler.Claim> claims = new ArrayList<>();

    RedisTableReadBack(BackendSnapshot backend, int roomSize, Duration idleTimeout, RedisReconciler.StepRunner runner,
            LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.backend = backend;
        this.roomSize = roomSize;
        this.idleMillis = idleTimeout.toMillis();
        this.runner = runner;
    }

    @Override
    public boolean test(StuckRoom stuck) {
        Optional<ServerStatus> server = backend.server(stuck.server());
        if (server.isEmpty() || !server.get().state().keepsRooms() || stuck.idleMillis() >= idleMillis) {
            return false;
        }
        // The snapshot's name: one string per server, not one per room.
        claims.add(new RedisReconciler.Claim(backend.backend(), stuck.room(), server.get().name(), roomSize));
        return true;
    }

    /** Offers the rooms taken to Redis; returns how many it lacked (adopted). */
    @Override
    public int finish() {
        if (claims.isEmpty()) {
            return 0;
        }
        // The outcomes only matter to rooms this agent knows, and it knows none yet: each is read at its next join.
        RedisReconciler reconciler = new RedisReconciler(claims, runner, outcome -> { });
        long startNanos = nanoTime.getAsLong();
        try {
            Reconciliation result = reconciler.resume().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("stick table {}: {} rooms offered to redis in {} ms: {} adopted (redis lacked them), {} kept, {}"
                    + " conflicts (redis has them on another server, which stands)", backend.backend(),
                    claims.size(), TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - startNanos), result.adopted(),
                    result.kept(), result.conflicts());
            return result.adopted();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("stick table {}: {} of {} rooms not offered to redis: {}; redis places them at their next join",
                    backend.backend(), reconciler.remaining(), claims.size(),
                    e instanceof ExecutionException ? e.getCause() : "no answer within " + LIMIT.toSeconds() + " s");
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            claims.clear();
        }
    }
}
