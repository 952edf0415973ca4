package io.roomrouter.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The graceful stop's first phase: the agent tells HAProxy it is going away and waits until HAProxy stops sending
 * joins, while still answering every join that comes. HAProxy is told through its health check: while draining,
 * each {@code option spop-check} probe gets AGENT-DISCONNECT instead of AGENT-HELLO, so HAProxy marks the agent
 * DOWN after its {@code fall} failed checks (2 in the reference configuration, 0.1 s apart once the first fails),
 * and from then on sends no join (the SPOE event requires an agent UP); those joins follow the stick table. Closing
 * the port at once instead would fail the joins HAProxy sends before it notices: each would wait out
 * {@code timeout processing} and get a 503.
 *
 * <p>The drain ends at the first of: {@link #CHECKS_TO_BE_DOWN} probes refused and no join for
 * {@link #QUIET_AFTER_CHECKS} (HAProxy has marked the agent down and its last joins were answered); no join for
 * {@link #QUIET} (a HAProxy without health checks, or no traffic); or the limit given to {@link #await}. Sessions
 * report to it from their event loops; only the arrival time of a join is written, and only while draining.
 */
final class SpopDrain {
    /** The reference configuration's {@code fall 2}: after two failed probes HAProxy counts the agent DOWN. */
    static final int CHECKS_TO_BE_DOWN = 2;
    static final Duration QUIET_AFTER_CHECKS = Duration.ofMillis(200);
    static final Duration QUIET = Duration.ofSeconds(1);
    private static final long POLL_MILLIS = 20;

    /** How a drain ended, for the log. */
    record Result(long millis, int refusedChecks, String why) {}

    private final LongSupplier nanoClock;
    private final AtomicInteger refusedChecks = new AtomicInteger();
    private volatile boolean draining;
    private volatile long lastJoinNanos;

    SpopDrain() {
        this(System::nanoTime);
    }

    SpopDrain(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Whether health checks are to be refused: the agent is stopping. */
    boolean draining() {
        return draining;
    }

    /** A join arrived; counts only while draining, so the hot path pays one volatile read otherwise. */
    void joinArrived() {
        if (draining) {
            lastJoinNanos = nanoClock.getAsLong();
        }
    }

    /** A health check was answered with AGENT-DISCONNECT. */
    void checkRefused() {
        refusedChecks.incrementAndGet();
    }

    /** Starts draining: from now on health checks are refused. */
    void begin() {
        lastJoinNanos = nanoClock.getAsLong();
        draining = true;
    }

    /** Why the drain is over at {@code now}, or null while it goes on. */
    String over(long startNanos, long limitNanos) {
        long now = nanoClock.getAsLong();
        long quietNanos = now - lastJoinNanos;
        if (refusedChecks.get() >= CHECKS_TO_BE_DOWN && quietNanos >= QUIET_AFTER_CHECKS.toNanos()) {
            return "HAProxy's health checks refused " + refusedChecks.get() + " times and no join for "
                    + QUIET_AFTER_CHECKS.toMillis() + " ms";
        }
        if (quietNanos >= QUIET.toNanos()) {
            return "no join for " + QUIET.toMillis() + " ms";
        }
        if (now - startNanos >= limitNanos) {
            return "the drain's limit of " + TimeUnit.NANOSECONDS.toMillis(limitNanos) + " ms";
        }
        return null;
    }

    /** Begins draining and returns once it is over (see the class comment), at most {@code limit} later. */
    Result await(Duration limit) throws InterruptedException {
        long start = nanoClock.getAsLong();
        begin();
        String why;
        while ((why = over(start, limit.toNanos())) == null) {
            Thread.sleep(POLL_MILLIS);
        }
        return new Result(TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - start), refusedChecks.get(), why);
    }
}
