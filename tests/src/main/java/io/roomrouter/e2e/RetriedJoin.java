package io.roomrouter.e2e;

import io.roomrouter.kit.Player;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A player's join and every attempt it took, in order: the last one let it in, refused it for good, or was the
 * last its {@link RetryPolicy} allowed.
 */
public record RetriedJoin(TimedCrowd.Route route, List<JoinAttempt> attempts) {

    public RetriedJoin {
        Objects.requireNonNull(route, "route");
        attempts = List.copyOf(attempts);
        if (attempts.isEmpty()) {
            throw new IllegalArgumentException("attempts of " + route + ": none (expected: at least one)");
        }
    }

    /** The player as its last attempt left it: in, or refused. */
    public Player player() {
        return attempts.get(attempts.size() - 1).player();
    }

    public int retries() {
        return attempts.size() - 1;
    }

    /** From the start of the first attempt to the end of the last: how long the player waited to get in. */
    public Duration took() {
        return Duration.ofNanos(attempts.get(attempts.size() - 1).endNanos() - attempts.get(0).startNanos());
    }
}
