package io.roomrouter.e2e;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When a player told to retry (HTTP 503, {@code X-Room-Decision: retry}) tries again: after {@code pause}, or
 * sooner when HAProxy's {@code Retry-After} says so. {@code Retry-After} is honoured only as an upper bound: the
 * reference configuration says 1 s, and a test whose players waited that long would take minutes. A player gives
 * up once its next attempt would start more than {@code patience} after its first; any other answer is final.
 */
public record RetryPolicy(Duration pause, Duration patience) {

    public RetryPolicy {
        Objects.requireNonNull(pause, "pause");
        Objects.requireNonNull(patience, "patience");
        if (pause.isNegative() || pause.isZero()) {
            throw new IllegalArgumentException("pause: " + pause + " (expected: > 0)");
        }
    }

    /** How long to wait after {@code last} before the next attempt; empty when {@code last} is final. */
    Optional<Duration> pauseAfter(JoinAttempt first, JoinAttempt last) {
        if (!last.toldToRetry()) {
            return Optional.empty();
        }
        Duration wait = last.retryAfter().filter(asked -> asked.compareTo(pause) < 0).orElse(pause);
        long nextStart = last.endNanos() + wait.toNanos();
        return nextStart - first.startNanos() <= patience.toNanos() ? Optional.of(wait) : Optional.empty();
    }
}
