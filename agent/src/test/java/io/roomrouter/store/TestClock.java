package io.roomrouter.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wall clock plus an offset that a test moves forward, so lifetimes pass without sleeping; {@link #nanoTime} is
 * the monotonic time moved by the same offset, for what a store times with it (its cache's confirmations).
 */
final class TestClock extends Clock {
    private final AtomicLong offsetMillis = new AtomicLong();

    void advance(Duration duration) {
        offsetMillis.addAndGet(duration.toMillis());
    }

    /** {@link System#nanoTime} plus the offset. */
    long nanoTime() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(offsetMillis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("withZone: " + zone + " (expected: not called)");
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }
}
