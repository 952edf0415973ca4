package io.roomrouter.store;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for what a real redis-server does in its own time (a counted arrival, a swept room), polling. */
final class Eventually {
    private Eventually() {}

    /** Polls {@code condition} for 10 s at most. */
    static void await(BooleanSupplier condition, String what) {
        await(Duration.ofSeconds(10), condition, what);
    }

    static void await(Duration bound, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + bound.toSeconds() + " s for: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
