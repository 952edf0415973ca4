package io.roomrouter.store;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Whether Redis answers, as the agent's own requests see it. Redis is <em>unavailable</em> while the command
 * connection is lost, and while it is <em>silent</em>: requests have been outstanding for {@link #SILENT_AFTER}
 * with no reply of any kind (a stopped or stalled redis-server, {@code CLIENT PAUSE}, a black-holed link); the
 * connection stays open then, so only the missing replies tell. Joins of rooms Redis has not placed are refused
 * at once while it is unavailable instead of each waiting its whole bound.
 *
 * <p>An <em>interruption</em> starts with a lost connection, a silence or a failed request, and lasts until the
 * store has reconciled what it knows with Redis ({@link #reconciled}). Only the store's own script calls are
 * counted: {@link #sent} before each, {@link #completed} after.
 *
 * <p>Cheap enough for every first join: {@link #unavailable} reads two volatile fields and the clock.
 */
final class RedisWatch {
    /** No reply for this long while requests are outstanding: Redis is silent. Within a second, as promised. */
    static final Duration SILENT_AFTER = Duration.ofMillis(500);
    private static final long NONE = Long.MIN_VALUE;

    private final LongSupplier nanoTime;
    private final AtomicInteger outstanding = new AtomicInteger();
    // When Redis last replied, or when requests became outstanding after none were: silence counts from there.
    private volatile long progressNanos;
    private volatile long disconnectedAtNanos = NONE;
    private final AtomicLong interruptedAtNanos = new AtomicLong(NONE);
    private volatile String interruption = "";

    RedisWatch(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.progressNanos = nanoTime.getAsLong();
    }

    /** A request is about to be sent. */
    void sent() {
        if (outstanding.getAndIncrement() == 0) {
            progressNanos = nanoTime.getAsLong();
        }
    }

    /**
     * A request ended: {@code error} null when Redis answered it. An error reply of Redis ({@code OOM},
     * {@code READONLY}, a script error) is a reply, so Redis is not silent, but it interrupts; a time-out or a
     * lost connection is no reply.
     */
    void completed(Throwable error) {
        outstanding.decrementAndGet();
        Throwable cause = RedisScript.unwrap(error);
        if (cause == null || isReply(cause)) {
            progressNanos = nanoTime.getAsLong();
        }
        if (cause != null) {
            interrupt(cause instanceof RedisCommandTimeoutException ? "requests timed out" : "requests failed");
        }
    }

    void disconnected() {
        long now = nanoTime.getAsLong();
        disconnectedAtNanos = now;
        interrupt("connection lost");
    }

    void connected() {
        disconnectedAtNanos = NONE;
        progressNanos = nanoTime.getAsLong();
    }

    /**
     * Why Redis cannot be asked now ({@code "connection lost 120 ms ago"}, {@code "silent for 600 ms"}), or null
     * when it can. A silence seen here also starts an interruption.
     */
    String unavailable() {
        long disconnectedAt = disconnectedAtNanos;
        long now = nanoTime.getAsLong();
        if (disconnectedAt != NONE) {
            return "connection lost " + TimeUnit.NANOSECONDS.toMillis(now - disconnectedAt) + " ms ago";
        }
        long silentNanos = now - progressNanos;
        if (outstanding.get() > 0 && silentNanos >= SILENT_AFTER.toNanos()) {
            interrupt("silent");
            return "silent for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms";
        }
        return null;
    }

    /** True when Redis can be asked now: {@link #unavailable} without building its message, for every cache hit. */
    boolean answering() {
        return disconnectedAtNanos == NONE
                && (outstanding.get() == 0 || nanoTime.getAsLong() - progressNanos < SILENT_AFTER.toNanos());
    }

    /** True while the command connection is up, as Lettuce last said (it may still be silent). */
    boolean connectionUp() {
        return disconnectedAtNanos == NONE;
    }

    /** True from the start of an interruption until {@link #reconciled} ends it. */
    boolean interrupted() {
        return interruptedAtNanos.get() != NONE;
    }

    /** What began the interruption under way ({@code "silent"}, {@code "connection lost"}...); empty if none. */
    String interruption() {
        return interruption;
    }

    /** How long the interruption under way has lasted; 0 when none. */
    long interruptedMillis() {
        long at = interruptedAtNanos.get();
        return at == NONE ? 0 : TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - at);
    }

    /** Ends the interruption that started at or before {@code sinceNanos} (a later one stands). */
    void reconciled(long sinceNanos) {
        long at = interruptedAtNanos.get();
        if (at != NONE && at <= sinceNanos) {
            interruptedAtNanos.compareAndSet(at, NONE);
        }
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    private void interrupt(String why) {
        if (interruptedAtNanos.compareAndSet(NONE, nanoTime.getAsLong())) {
            interruption = why;
        }
    }

    /** True when {@code error} (null for success) is a reply of Redis, not a missing one. */
    static boolean replied(Throwable error) {
        Throwable cause = RedisScript.unwrap(error);
        return cause == null || isReply(cause);
    }

    // Redis itself said no (OOM, READONLY, BUSY, LOADING, a script error): Lettuce's type for an error reply.
    private static boolean isReply(Throwable cause) {
        return cause instanceof RedisCommandExecutionException;
    }
}
