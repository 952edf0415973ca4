package io.roomrouter.agent;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets one log line of a kind through per interval and counts the ones it held back, so that a failure repeated
 * on every join (hundreds of thousands a second) cannot flood the log or slow the event loops that write it.
 * Thread-safe; under a race, a held-back line may be counted in the next interval's line.
 */
final class LogThrottle {
    /** The interval of every throttled line of the agent. */
    static final long EVERY_NANOS = 10_000_000_000L;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong lastPassed;
    private final AtomicLong heldBack = new AtomicLong();

    LogThrottle() {
        this(EVERY_NANOS, System::nanoTime);
    }

    LogThrottle(long intervalNanos, LongSupplier nanoClock) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos: " + intervalNanos + " (expected: > 0)");
        }
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
        this.lastPassed = new AtomicLong(nanoClock.getAsLong() - intervalNanos);
    }

    /**
     * Whether a line may be written now: -1 when it is held back; otherwise how many lines were held back since
     * the last one written, for the line to say.
     */
    long pass() {
        long now = nanoClock.getAsLong();
        long last = lastPassed.get();
        if (now - last >= intervalNanos && lastPassed.compareAndSet(last, now)) {
            return heldBack.getAndSet(0);
        }
        heldBack.incrementAndGet();
        return -1;
    }
}
